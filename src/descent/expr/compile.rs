//! The compiler: AST to a hash-consed DAG to a flat [`Program`].
//!
//! The AST arena is walked front to back (children come first), mapping every
//! AST node to a DAG node through the smart constructors of [`Builder`]:
//!
//! * **Hash-consing** (common sub-expression elimination): a DAG node is
//!   looked up by its exact content (operation, operand ids, constant bits)
//!   before it is created, so identical sub-trees become one node.
//!   Commutative `+` and `*` order their operands first.
//! * **Constant folding**: an operation whose operands are all constants
//!   becomes a constant, computed by the evaluator's own [`step`] so that
//!   folding never changes a result.
//! * **Specialisation**: a constant operand moves into the instruction
//!   (`x+c`, `c*x`, `x/c`, `c-x`, `c/x`, `c^x`); `x^k` for a constant integer
//!   `|k| <= 16` becomes `Square` or `PowI` (exact repeated multiplication),
//!   other constant exponents `PowF`; `e^x` becomes `exp(x)`.
//! * **Rewrites that keep IEEE results**: `a+(-b) → a-b`, `a-(-b) → a+b`,
//!   `-(-a) → a`, `(-a)*(-b) → a*b`, `(-a)*c → a*(-c)`, `(-a)^2k → a^2k`,
//!   `a*a → a^2`, `abs(-a) → abs(a)`, `a*1`, `a/1`, `a^1`, `a-0 → a`,
//!   `a/2^k → a*2^-k`, `min(a,a) → a`; and, moving signs outwards where they
//!   can cancel, `(-a)*b → -(a*b)`, `(-a)/b → -(a/b)`. All give bit-identical
//!   results (NaN payloads aside). Deliberately absent: `a+0 → a` (wrong for
//!   `-0`), `(-a)-b → -(a+b)` (wrong when `a+b` is exactly zero), `a*0 → 0`
//!   (wrong for infinities and NaN), and re-associations.
//!
//! Emission then **fuses pairs** whose inner instruction has no other use
//! (`(a±c)^2`, `(c-a)^2`, `(a±b)^2`, `exp(-a)`, `exp(-(a+b))` also from
//! `exp((-a)-b)`, `(a*c)*b`, `a±b*c`; each fused instruction performs the
//! same IEEE operations as the pair), drops nodes the root no longer
//! reaches, and lays out the slots as
//! `[variables | constants used as operands | one per instruction]`. An
//! operand produced by the instruction just before is marked to be taken
//! from the register holding the previous result.

use std::collections::HashMap;

use super::parser::{Ast, BinOp, Func, NodeKind};
use super::tape::{Code, Dual, Imm, Instr, Mode, OpKind, Program, Slotted, step};

#[derive(Clone, Copy, Debug)]
enum DNode {
    Var,
    Const(f64),
    Instr(Instr),
}

/// The identity of a DAG node for hash-consing. `Instr::c2` is derived from
/// `c` and left out.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Var(u32),
    Const(u64),
    Instr(OpKind, u32, u32, u64),
}

struct Builder {
    nodes: Vec<DNode>,
    index: HashMap<Key, u32>,
}

/// Whether `x / c == x * (1 / c)` for every `x`: `c` is a power of two whose
/// reciprocal is a normal number.
fn reciprocal_is_exact(c: f64) -> bool {
    const MANTISSA: u64 = (1 << 52) - 1;
    c.is_normal() && (1.0 / c).is_normal() && c.to_bits() & MANTISSA == 0
}

impl Builder {
    fn new(n_vars: usize) -> Self {
        let mut b = Builder {
            nodes: Vec::new(),
            index: HashMap::new(),
        };
        for i in 0..n_vars {
            b.intern(DNode::Var, Key::Var(i as u32));
        }
        b
    }

    fn intern(&mut self, node: DNode, key: Key) -> u32 {
        let nodes = &mut self.nodes;
        *self.index.entry(key).or_insert_with(|| {
            nodes.push(node);
            (nodes.len() - 1) as u32
        })
    }

    fn constant(&mut self, c: f64) -> u32 {
        self.intern(DNode::Const(c), Key::Const(c.to_bits()))
    }

    fn konst(&self, id: u32) -> Option<f64> {
        match self.nodes[id as usize] {
            DNode::Const(c) => Some(c),
            _ => None,
        }
    }

    /// `Some(x)` if node `id` is `-x`.
    fn neg_of(&self, id: u32) -> Option<u32> {
        match self.nodes[id as usize] {
            DNode::Instr(Instr {
                op: OpKind::Neg, a, ..
            }) => Some(a),
            _ => None,
        }
    }

    /// Adds an instruction, folding it if all its operands are constants.
    fn instr(&mut self, ins: Instr) -> u32 {
        let (ops, n) = ins.operand_list();
        let consts = ops[..n].iter().all(|&o| self.konst(o).is_some());
        if consts {
            let k = |o: u32| Dual::<0>::constant(self.konst(o).unwrap_or(f64::NAN));
            let imm = Imm {
                c: ins.c,
                c2: ins.c2,
            };
            let v = step(ins.op, &imm, k(ins.a), || k(ins.b)).v;
            return self.constant(v);
        }
        let key = Key::Instr(ins.op, ins.a, ins.b, ins.c.to_bits());
        self.intern(DNode::Instr(ins), key)
    }

    fn unary(&mut self, op: OpKind, a: u32) -> u32 {
        self.instr(Instr::unary(op, a))
    }

    fn binary(&mut self, op: OpKind, a: u32, b: u32) -> u32 {
        self.instr(Instr::binary(op, a, b))
    }

    fn with_const(&mut self, op: OpKind, a: u32, c: f64) -> u32 {
        self.instr(Instr::with_const(op, a, c))
    }

    fn neg(&mut self, a: u32) -> u32 {
        match self.neg_of(a) {
            Some(x) => x,
            None => self.unary(OpKind::Neg, a),
        }
    }

    fn add(&mut self, a: u32, b: u32) -> u32 {
        match (self.konst(a), self.konst(b)) {
            (Some(c), _) => self.add_c(b, c),
            (None, Some(c)) => self.add_c(a, c),
            (None, None) => {
                if let Some(y) = self.neg_of(b) {
                    self.sub(a, y)
                } else if let Some(x) = self.neg_of(a) {
                    self.sub(b, x)
                } else {
                    self.binary(OpKind::Add, a.min(b), a.max(b))
                }
            }
        }
    }

    fn add_c(&mut self, a: u32, c: f64) -> u32 {
        if c.to_bits() == (-0.0f64).to_bits() && self.konst(a).is_none() {
            return a;
        }
        match self.neg_of(a) {
            Some(x) => self.with_const(OpKind::CSub, x, c),
            None => self.with_const(OpKind::AddC, a, c),
        }
    }

    fn sub(&mut self, a: u32, b: u32) -> u32 {
        match (self.konst(a), self.konst(b)) {
            (_, Some(c)) => self.add_c(a, -c),
            (Some(c), None) => match self.neg_of(b) {
                Some(y) => self.add_c(y, c),
                None => self.with_const(OpKind::CSub, b, c),
            },
            (None, None) => match self.neg_of(b) {
                Some(y) => self.add(a, y),
                // Not (-x) - b → -(x + b): that flips the sign of an exact
                // zero. Fusion handles `exp((-x) - b)` instead.
                None => self.binary(OpKind::Sub, a, b),
            },
        }
    }

    fn mul(&mut self, a: u32, b: u32) -> u32 {
        match (self.konst(a), self.konst(b)) {
            (Some(c), _) => self.mul_c(b, c),
            (None, Some(c)) => self.mul_c(a, c),
            (None, None) => {
                if a == b {
                    return self.square(a);
                }
                match (self.neg_of(a), self.neg_of(b)) {
                    (Some(x), Some(y)) => self.mul(x, y),
                    (Some(x), None) => {
                        let m = self.mul(x, b);
                        self.neg(m)
                    }
                    (None, Some(y)) => {
                        let m = self.mul(a, y);
                        self.neg(m)
                    }
                    (None, None) => self.binary(OpKind::Mul, a.min(b), a.max(b)),
                }
            }
        }
    }

    fn mul_c(&mut self, a: u32, c: f64) -> u32 {
        if self.konst(a).is_none() {
            if c == 1.0 {
                return a;
            }
            if c == -1.0 {
                return self.neg(a);
            }
            if let Some(x) = self.neg_of(a) {
                return self.mul_c(x, -c);
            }
        }
        self.with_const(OpKind::MulC, a, c)
    }

    fn div(&mut self, a: u32, b: u32) -> u32 {
        match (self.konst(a), self.konst(b)) {
            (_, Some(c)) if self.konst(a).is_none() && reciprocal_is_exact(c) => {
                self.mul_c(a, 1.0 / c)
            }
            (_, Some(c)) => self.with_const(OpKind::DivC, a, c),
            (Some(c), None) => match self.neg_of(b) {
                Some(y) => self.with_const(OpKind::CDiv, y, -c),
                None => self.with_const(OpKind::CDiv, b, c),
            },
            (None, None) => match (self.neg_of(a), self.neg_of(b)) {
                (Some(x), Some(y)) => self.binary(OpKind::Div, x, y),
                (Some(x), None) => {
                    let q = self.binary(OpKind::Div, x, b);
                    self.neg(q)
                }
                (None, Some(y)) => {
                    let q = self.binary(OpKind::Div, a, y);
                    self.neg(q)
                }
                (None, None) => self.binary(OpKind::Div, a, b),
            },
        }
    }

    fn square(&mut self, a: u32) -> u32 {
        let a = self.neg_of(a).unwrap_or(a);
        self.unary(OpKind::Square, a)
    }

    fn pow(&mut self, a: u32, b: u32) -> u32 {
        if self.konst(a) == Some(std::f64::consts::E) {
            return self.unary(OpKind::Exp, b);
        }
        if let Some(c) = self.konst(b) {
            if c == c.trunc() && c.abs() <= 16.0 {
                let k = c as i32;
                return match k {
                    0 => self.constant(1.0),
                    1 => a,
                    2 => self.square(a),
                    -1 => {
                        let one = self.constant(1.0);
                        self.div(one, a)
                    }
                    _ => {
                        let a = match self.neg_of(a) {
                            Some(x) if k % 2 == 0 => x,
                            _ => a,
                        };
                        self.with_const(OpKind::PowI, a, k as f64)
                    }
                };
            }
            return self.with_const(OpKind::PowF, a, c);
        }
        match self.konst(a) {
            Some(c) => self.with_const(OpKind::CPow, b, c),
            None => self.binary(OpKind::Pow, a, b),
        }
    }

    fn call1(&mut self, f: Func, a: u32) -> u32 {
        let op = match f {
            Func::Sin => OpKind::Sin,
            Func::Cos => OpKind::Cos,
            Func::Tan => OpKind::Tan,
            Func::Exp => OpKind::Exp,
            Func::Ln => OpKind::Ln,
            Func::Log10 => OpKind::Log10,
            Func::Sqrt => OpKind::Sqrt,
            Func::Abs => {
                let a = self.neg_of(a).unwrap_or(a);
                return self.unary(OpKind::Abs, a);
            }
            Func::Tanh => OpKind::Tanh,
            Func::Sigmoid => OpKind::Sigmoid,
            Func::Floor => OpKind::Floor,
            Func::Ceil => OpKind::Ceil,
            Func::Min | Func::Max | Func::Mod => {
                unreachable!("two-argument functions go to call2")
            }
        };
        self.unary(op, a)
    }

    fn call2(&mut self, f: Func, a: u32, b: u32) -> u32 {
        let op = match f {
            Func::Min => OpKind::Min,
            Func::Max => OpKind::Max,
            // mod(a, b) = a - b*floor(a/b): the sign of b, as in Python.
            Func::Mod => {
                let q = self.div(a, b);
                let f = self.unary(OpKind::Floor, q);
                let m = self.mul(b, f);
                return self.sub(a, m);
            }
            _ => unreachable!("one-argument functions go to call1"),
        };
        if a == b {
            return a;
        }
        self.binary(op, a, b)
    }

    /// Emits the program computing node `root`.
    fn finish(self, root: u32, n_vars: usize) -> Program {
        let nodes = self.nodes;
        // Use counts of the nodes the root reaches (0 = dead); the root
        // counts one use for being the result. Operands precede their users,
        // so one backward sweep finds them all.
        let mut uses = vec![0u32; nodes.len()];
        uses[root as usize] = 1;
        for i in (0..nodes.len()).rev() {
            if uses[i] > 0
                && let DNode::Instr(ins) = nodes[i]
            {
                let (ops, n) = ins.operand_list();
                for &o in &ops[..n] {
                    uses[o as usize] += 1;
                }
            }
        }
        // The instructions to emit, with pairs fused where the inner one has
        // no other use (it is then dropped). Use counts stay current, never
        // below the real number of references.
        let mut code: Vec<Option<Instr>> = nodes
            .iter()
            .zip(&uses)
            .map(|(node, &u)| match node {
                DNode::Instr(ins) if u > 0 => Some(*ins),
                _ => None,
            })
            .collect();
        fn count(uses: &mut [u32], ins: &Instr, delta: i32) {
            let (ops, n) = ins.operand_list();
            for &o in &ops[..n] {
                uses[o as usize] = uses[o as usize].wrapping_add_signed(delta);
            }
        }
        for i in 0..code.len() {
            if let Some(ins) = code[i]
                && let Some((fused, absorbed)) = fuse(&code, &uses, ins)
            {
                count(&mut uses, &ins, -1);
                for j in absorbed.into_iter().flatten() {
                    if let Some(inner) = code[j as usize].take() {
                        count(&mut uses, &inner, -1);
                        uses[j as usize] = 0;
                    }
                }
                count(&mut uses, &fused, 1);
                code[i] = Some(fused);
            }
        }
        // Fusion can bypass a node (`exp((-a)-b)` reads `a`, not `-a`):
        // find what the root still reaches.
        let mut live = vec![false; nodes.len()];
        live[root as usize] = true;
        for i in (0..nodes.len()).rev() {
            if !live[i] {
                continue;
            }
            if let Some(ins) = code[i] {
                let (ops, n) = ins.operand_list();
                for &o in &ops[..n] {
                    live[o as usize] = true;
                }
            } else {
                debug_assert!(
                    !matches!(nodes[i], DNode::Instr(_)),
                    "a reachable instruction was absorbed"
                );
            }
        }
        for (c, &l) in code.iter_mut().zip(&live) {
            if !l {
                *c = None;
            }
        }
        let mut slot = vec![u32::MAX; nodes.len()];
        let mut init = vec![0.0; n_vars];
        for (i, s) in slot.iter_mut().enumerate().take(n_vars) {
            *s = i as u32;
        }
        for (i, node) in nodes.iter().enumerate() {
            if live[i]
                && let DNode::Const(c) = *node
            {
                slot[i] = init.len() as u32;
                init.push(c);
            }
        }
        let base = init.len();
        let mut tape: Vec<Slotted> = Vec::new();
        for (i, ins) in code.iter().enumerate() {
            if let Some(ins) = *ins {
                let out = (base + tape.len()) as u32;
                let a = slot[ins.a as usize];
                let binary = ins.op.arity() == 2;
                let b = if binary { slot[ins.b as usize] } else { 0 };
                // Operands produced by the instruction just before come
                // from a register (see `Program::run`).
                let prev = out.checked_sub(1).filter(|&p| p as usize >= base);
                let mode = if Some(a) == prev {
                    Mode::PrevA
                } else if binary && Some(b) == prev {
                    Mode::PrevB
                } else {
                    Mode::Slots
                };
                slot[i] = out;
                tape.push(Slotted {
                    code: Code::new(ins.op, mode),
                    a,
                    b,
                    out,
                    imm: Imm {
                        c: ins.c,
                        c2: ins.c2,
                    },
                });
            }
        }
        Program {
            n_vars,
            init,
            tape,
            out: slot[root as usize],
        }
    }
}

/// A fused replacement for `ins` and the nodes it absorbs, if `ins` reads
/// the result of a matching instruction that nothing else reads. Fused
/// instructions perform the same IEEE operations as the pair, or (for
/// `exp((-a)-b)`) operations that give the same result.
fn fuse(code: &[Option<Instr>], uses: &[u32], ins: Instr) -> Option<(Instr, [Option<u32>; 2])> {
    use OpKind::*;
    let sole = |j: u32, op: OpKind| match code[j as usize] {
        Some(inner) if uses[j as usize] == 1 && inner.op == op => Some(inner),
        _ => None,
    };
    let any = |j: u32, op: OpKind| code[j as usize].filter(|inner| inner.op == op);
    let one = |fused: Instr, j: u32| Some((fused, [Some(j), None]));
    let (a, b) = (ins.a, ins.b);
    match ins.op {
        Square => {
            let fused = if let Some(t) = sole(a, AddC) {
                Instr::with_const(SqAddC, t.a, t.c)
            } else if let Some(t) = sole(a, CSub) {
                Instr::with_const(SqCSub, t.a, t.c)
            } else if let Some(t) = sole(a, Add) {
                Instr::binary(SqAdd, t.a, t.b)
            } else {
                let t = sole(a, Sub)?;
                Instr::binary(SqSub, t.a, t.b)
            };
            one(fused, a)
        }
        Exp => {
            if let Some(t) = sole(a, Neg) {
                match sole(t.a, Add) {
                    // exp(-(x + y))
                    Some(u) => Some((Instr::binary(ExpNegAdd, u.a, u.b), [Some(a), Some(t.a)])),
                    // exp(-x)
                    None => one(Instr::unary(ExpNeg, t.a), a),
                }
            } else {
                // exp((-x) - y) = exp(-(x + y)): the two differ only in the
                // sign of an exact zero, and exp(-0) = exp(+0). The `-x`
                // node stays if something else reads it.
                let t = sole(a, Sub)?;
                let n = any(t.a, Neg)?;
                one(Instr::binary(ExpNegAdd, n.a, t.b), a)
            }
        }
        // (x*c)*b; the product commutes.
        Mul => {
            if let Some(t) = sole(a, MulC) {
                one(Instr::binary_with_const(MulCMul, t.a, b, t.c), a)
            } else {
                let t = sole(b, MulC)?;
                one(Instr::binary_with_const(MulCMul, t.a, a, t.c), b)
            }
        }
        // a + y*c; the sum commutes.
        Add => {
            if let Some(t) = sole(b, MulC) {
                one(Instr::binary_with_const(AddMulC, a, t.a, t.c), b)
            } else {
                let t = sole(a, MulC)?;
                one(Instr::binary_with_const(AddMulC, b, t.a, t.c), a)
            }
        }
        // a - y*c = a + y*(-c), exactly.
        Sub => {
            let t = sole(b, MulC)?;
            one(Instr::binary_with_const(AddMulC, a, t.a, -t.c), b)
        }
        _ => None,
    }
}

/// Compiles a parsed expression over `n_vars` variables.
pub(super) fn compile(ast: &Ast, n_vars: usize) -> Program {
    let mut b = Builder::new(n_vars);
    let mut ids: Vec<u32> = Vec::with_capacity(ast.nodes.len());
    for node in &ast.nodes {
        let id = |x: u32| ids[x as usize];
        let id = match node.kind {
            NodeKind::Num(v) => b.constant(v),
            NodeKind::Var(i) => i,
            NodeKind::Neg(a) => b.neg(id(a)),
            NodeKind::Bin(op, x, y) => {
                let (x, y) = (id(x), id(y));
                match op {
                    BinOp::Add => b.add(x, y),
                    BinOp::Sub => b.sub(x, y),
                    BinOp::Mul => b.mul(x, y),
                    BinOp::Div => b.div(x, y),
                    BinOp::Pow => b.pow(x, y),
                }
            }
            NodeKind::Call1(f, x) => b.call1(f, id(x)),
            NodeKind::Call2(f, x, y) => b.call2(f, id(x), id(y)),
        };
        ids.push(id);
    }
    b.finish(ids[ast.root as usize], n_vars)
}
