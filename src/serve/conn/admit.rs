//! Who a login is: the role a key gets (teacher, student, or a dashboard
//! of its own), the name the class sees, and the log line of a refusal.

use russh::keys::{HashAlg, PublicKey};

use super::Conn;
use crate::app::class::Role;
use crate::serve::Access;
use crate::serve::keys::is_authorized;
use crate::text::clean_text;

impl Conn {
    /// Whether `key` gets in, and as what: a teacher's key teaches (and
    /// gets in whatever `access` says); any other key admitted follows the
    /// teacher when there is a class, or has a dashboard of its own.
    pub(super) fn role_of(&self, key: &PublicKey) -> Option<Role> {
        if let Some(class) = &self.shared.class
            && is_authorized(&class.teachers, key)
        {
            return Some(Role::Teacher);
        }
        let admitted = match &self.shared.access {
            Access::Open => true,
            Access::Keys(keys) => is_authorized(keys, key),
        };
        admitted.then(|| self.student())
    }

    /// What anyone else admitted is.
    pub(super) fn student(&self) -> Role {
        if self.shared.class.is_some() {
            Role::Following
        } else {
            Role::Solo
        }
    }

    pub(super) fn set_user(&mut self, user: &str, role: Role) {
        let u: String = clean_text(user).chars().take(64).collect();
        self.who = match role.word() {
            Some(w) => format!("{u}@{} ({w})", self.peer),
            None => format!("{u}@{}", self.peer),
        };
        self.name = u;
        self.role = role;
    }

    /// Log a refused login: who, from where, with what.
    pub(super) fn refused(&self, user: &str, what: &str) {
        let u: String = clean_text(user).chars().take(64).collect();
        self.shared
            .log
            .line(format_args!("{u}@{}: login refused: {what}", self.peer));
    }

    pub(super) fn refused_key(&self, user: &str, key: &PublicKey) {
        self.refused(
            user,
            &format!(
                "{} key {}",
                key.algorithm().as_str(),
                key.fingerprint(HashAlg::Sha256)
            ),
        );
    }
}
