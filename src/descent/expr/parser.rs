//! The parser: tokens to an arena AST with spans.
//!
//! This is operator-precedence parsing (precedence climbing) done with two
//! explicit stacks instead of recursion: an operand stack of finished
//! sub-trees and a frame stack of pending operators, open parentheses and
//! open function calls. A binary operator first reduces the pending
//! operators that bind at least as tightly (strictly tighter for the
//! right-associative `^`), then waits on the stack for its right operand.
//! Since nothing recurses, neither the input length nor the nesting depth
//! can exhaust the call stack; the nesting depth is limited anyway
//! ([`MAX_DEPTH`]) because deeply nested formulas are almost surely mistakes.
//!
//! Nodes live in one `Vec` and refer to their children by index. A node is
//! pushed only after its children, so the arena is in topological order:
//! the compiler walks it front to back, and dropping it is a flat `Vec` drop.

use super::ExprError;
use super::lexer::{Lexer, Span, Tok, Token};

/// Most nested parentheses, prefix signs and function calls at one point.
pub(super) const MAX_DEPTH: usize = 100;

/// Index of a node in [`Ast::nodes`].
pub(super) type NodeId = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

impl BinOp {
    fn precedence(self) -> u8 {
        match self {
            BinOp::Add | BinOp::Sub => 1,
            BinOp::Mul | BinOp::Div => 2,
            BinOp::Pow => 4,
        }
    }

    fn right_assoc(self) -> bool {
        self == BinOp::Pow
    }
}

/// Binding power of prefix `-` / `+`: between `*` and `^`.
const PREFIX_PRECEDENCE: u8 = 3;

/// The built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Func {
    Sin,
    Cos,
    Tan,
    Exp,
    Ln,
    Log10,
    Sqrt,
    Abs,
    Tanh,
    Sigmoid,
    Floor,
    Ceil,
    Min,
    Max,
    Mod,
}

impl Func {
    pub const ALL: [Func; 15] = [
        Func::Sin,
        Func::Cos,
        Func::Tan,
        Func::Exp,
        Func::Ln,
        Func::Log10,
        Func::Sqrt,
        Func::Abs,
        Func::Tanh,
        Func::Sigmoid,
        Func::Floor,
        Func::Ceil,
        Func::Min,
        Func::Max,
        Func::Mod,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Exp => "exp",
            Func::Ln => "ln",
            Func::Log10 => "log10",
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
            Func::Tanh => "tanh",
            Func::Sigmoid => "sigmoid",
            Func::Floor => "floor",
            Func::Ceil => "ceil",
            Func::Min => "min",
            Func::Max => "max",
            Func::Mod => "mod",
        }
    }

    pub fn arity(self) -> usize {
        match self {
            Func::Min | Func::Max | Func::Mod => 2,
            _ => 1,
        }
    }

    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    fn example(self) -> String {
        if self.arity() == 2 {
            format!("{}(x, y)", self.name())
        } else {
            format!("{}(x)", self.name())
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum NodeKind {
    Num(f64),
    Var(u32),
    Neg(NodeId),
    Bin(BinOp, NodeId, NodeId),
    Call1(Func, NodeId),
    Call2(Func, NodeId, NodeId),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

/// A parsed expression: `nodes` in topological order (children first).
#[derive(Clone, Debug)]
pub(super) struct Ast {
    pub nodes: Vec<Node>,
    pub root: NodeId,
}

/// A pending entry of the frame stack.
#[derive(Clone, Copy, Debug)]
enum Frame {
    /// An open `(`.
    Paren { open: Span },
    /// `name(`, with the operand stack height when it opened.
    Call {
        func: Func,
        name: Span,
        open: Span,
        base: usize,
    },
    /// A prefix `-` (or `+`, `neg == false`) waiting for its operand.
    Prefix { neg: bool, span: Span },
    /// A binary operator waiting for its right operand.
    Binary { op: BinOp },
}

struct Parser<'s, 'v> {
    lexer: Lexer<'s>,
    vars: &'v [&'v str],
    nodes: Vec<Node>,
    operands: Vec<NodeId>,
    frames: Vec<Frame>,
    /// Open parentheses, calls and prefix signs on `frames`.
    depth: usize,
    /// The token before the current one.
    prev: Option<Token<'s>>,
    cur: Option<Token<'s>>,
}

/// Parses `src` over the variables `vars` (index = position).
pub(super) fn parse(src: &str, vars: &[&str]) -> Result<Ast, ExprError> {
    let mut p = Parser {
        lexer: Lexer::new(src),
        vars,
        nodes: Vec::new(),
        operands: Vec::new(),
        frames: Vec::new(),
        depth: 0,
        prev: None,
        cur: None,
    };
    let mut want_operand = true;
    loop {
        let t = p.next_token()?;
        if want_operand {
            want_operand = p.operand(t)?;
            continue;
        }
        match t.tok {
            Tok::Plus => p.binary(BinOp::Add),
            Tok::Minus => p.binary(BinOp::Sub),
            Tok::Star => p.binary(BinOp::Mul),
            Tok::Slash => p.binary(BinOp::Div),
            Tok::Pow => p.binary(BinOp::Pow),
            Tok::RParen => {
                p.close(t)?;
                continue;
            }
            Tok::Comma => p.comma(t)?,
            Tok::End => return p.finish(t),
            Tok::Num(_) | Tok::Ident | Tok::LParen => {
                return Err(ExprError::at(
                    t.span,
                    format!(
                        "implicit multiplication is not supported: write `*` between `{}` and `{}`",
                        p.prev.map_or("", |t| t.text),
                        t.text
                    ),
                ));
            }
        }
        want_operand = true;
    }
}

fn unknown_variable(name: &str, vars: &[&str]) -> String {
    if vars.is_empty() {
        format!("unknown variable `{name}`: this expression has no variables")
    } else {
        format!(
            "unknown variable `{name}`, expected one of: {}",
            vars.join(", ")
        )
    }
}

fn unknown_function(name: &str) -> String {
    let names: Vec<&str> = Func::ALL.iter().map(|f| f.name()).collect();
    format!(
        "unknown function `{name}`, expected one of: {}",
        names.join(", ")
    )
}

fn arity_message(func: Func, found: usize) -> String {
    let want = func.arity();
    format!(
        "`{}` takes {want} argument{}, found {found}",
        func.name(),
        if want == 1 { "" } else { "s" },
    )
}

impl<'s> Parser<'s, '_> {
    fn next_token(&mut self) -> Result<Token<'s>, ExprError> {
        let t = self.lexer.next_token()?;
        self.prev = self.cur.replace(t);
        Ok(t)
    }

    fn push_node(&mut self, kind: NodeKind, span: Span) {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node { kind, span });
        self.operands.push(id);
    }

    fn pop_operand(&mut self) -> NodeId {
        self.operands
            .pop()
            .expect("the parser keeps one operand per pending operator")
    }

    fn span_of(&self, id: NodeId) -> Span {
        self.nodes[id as usize].span
    }

    /// Pushes a nesting frame, enforcing [`MAX_DEPTH`].
    fn open(&mut self, frame: Frame, span: Span) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::at(
                span,
                format!(
                    "expression nested too deeply (more than {MAX_DEPTH} levels of parentheses, signs and function calls)"
                ),
            ));
        }
        self.frames.push(frame);
        Ok(())
    }

    /// Handles `t` where an operand must start. Returns whether an operand is
    /// still wanted afterwards (after a prefix sign, `(` or `name(`).
    fn operand(&mut self, t: Token<'s>) -> Result<bool, ExprError> {
        match t.tok {
            Tok::Num(v) => {
                self.push_node(NodeKind::Num(v), t.span);
                Ok(false)
            }
            Tok::Ident => self.ident(t),
            Tok::LParen => {
                self.open(Frame::Paren { open: t.span }, t.span)?;
                Ok(true)
            }
            Tok::Minus | Tok::Plus => {
                let neg = t.tok == Tok::Minus;
                self.open(Frame::Prefix { neg, span: t.span }, t.span)?;
                Ok(true)
            }
            Tok::RParen => Err(self.nothing_before_rparen(t)),
            Tok::End => Err(match self.prev {
                None => ExprError::at(
                    Span {
                        start: 0,
                        len: t.span.start.max(1),
                    },
                    "empty expression",
                ),
                Some(p) => {
                    ExprError::at(t.span, format!("expected an expression after `{}`", p.text))
                }
            }),
            Tok::Star | Tok::Slash | Tok::Pow | Tok::Comma => Err(ExprError::at(
                t.span,
                format!(
                    "expected a number, variable, function call or `(`, found `{}`",
                    t.text
                ),
            )),
        }
    }

    fn ident(&mut self, t: Token<'s>) -> Result<bool, ExprError> {
        let name = t.text;
        let func = Func::from_name(name);
        if let Some(func) = func
            && self.lexer.peek_is_lparen()
        {
            let open = self.next_token()?;
            let frame = Frame::Call {
                func,
                name: t.span,
                open: open.span,
                base: self.operands.len(),
            };
            self.open(frame, t.span.to(open.span))?;
            return Ok(true);
        }
        if let Some(i) = self.vars.iter().position(|v| *v == name) {
            self.push_node(NodeKind::Var(i as u32), t.span);
            return Ok(false);
        }
        let constant = match name {
            "pi" => Some(std::f64::consts::PI),
            "e" => Some(std::f64::consts::E),
            _ => None,
        };
        if let Some(c) = constant {
            self.push_node(NodeKind::Num(c), t.span);
            return Ok(false);
        }
        let message = if let Some(func) = func {
            format!(
                "function `{name}` needs parentheses around its argument{}, e.g. `{}`",
                if func.arity() == 1 { "" } else { "s" },
                func.example()
            )
        } else if self.lexer.peek_is_lparen() {
            unknown_function(name)
        } else {
            unknown_variable(name, self.vars)
        };
        Err(ExprError::at(t.span, message))
    }

    /// Reduces the operator frame on top of the stack (a binary operator or a
    /// prefix sign) into a node. Returns false if the top is not one.
    fn reduce_top(&mut self) -> bool {
        match self.frames.last() {
            Some(Frame::Binary { op }) => {
                let op = *op;
                self.frames.pop();
                let rhs = self.pop_operand();
                let lhs = self.pop_operand();
                let span = self.span_of(lhs).to(self.span_of(rhs));
                self.push_node(NodeKind::Bin(op, lhs, rhs), span);
                true
            }
            Some(Frame::Prefix { neg, span }) => {
                let (neg, span) = (*neg, *span);
                self.frames.pop();
                self.depth -= 1;
                let x = self.pop_operand();
                let span = span.to(self.span_of(x));
                if neg {
                    self.push_node(NodeKind::Neg(x), span);
                } else {
                    // Unary plus is the identity: just widen the span.
                    self.nodes[x as usize].span = span;
                    self.operands.push(x);
                }
                true
            }
            _ => false,
        }
    }

    /// Reduces every pending operator down to the nearest `(` or call.
    fn reduce_all(&mut self) {
        while self.reduce_top() {}
    }

    fn binary(&mut self, op: BinOp) {
        let prec = op.precedence();
        loop {
            let top = match self.frames.last() {
                Some(Frame::Binary { op: top }) => top.precedence(),
                Some(Frame::Prefix { .. }) => PREFIX_PRECEDENCE,
                _ => break,
            };
            if top > prec || (top == prec && !op.right_assoc()) {
                self.reduce_top();
            } else {
                break;
            }
        }
        self.frames.push(Frame::Binary { op });
    }

    /// `)` after a complete operand.
    fn close(&mut self, t: Token<'s>) -> Result<(), ExprError> {
        self.reduce_all();
        match self.frames.pop() {
            Some(Frame::Paren { open }) => {
                self.depth -= 1;
                let x = *self.operands.last().expect("operand inside parentheses");
                self.nodes[x as usize].span = open.to(t.span);
                Ok(())
            }
            Some(Frame::Call {
                func, name, base, ..
            }) => {
                self.depth -= 1;
                let span = name.to(t.span);
                let args = self.operands.len() - base;
                if args != func.arity() {
                    return Err(ExprError::at(span, arity_message(func, args)));
                }
                let kind = if args == 1 {
                    NodeKind::Call1(func, self.pop_operand())
                } else {
                    let b = self.pop_operand();
                    let a = self.pop_operand();
                    NodeKind::Call2(func, a, b)
                };
                self.push_node(kind, span);
                Ok(())
            }
            _ => Err(ExprError::at(
                t.span,
                "unmatched `)`: there is no open `(` to close",
            )),
        }
    }

    /// `)` where an operand should have started.
    fn nothing_before_rparen(&self, t: Token<'s>) -> ExprError {
        match self.frames.last() {
            Some(Frame::Call {
                func, name, base, ..
            }) if self.operands.len() == *base => {
                ExprError::at(name.to(t.span), arity_message(*func, 0))
            }
            Some(Frame::Paren { .. }) if self.prev.is_some_and(|p| p.tok == Tok::LParen) => {
                ExprError::at(t.span, "empty parentheses `()`")
            }
            _ => ExprError::at(
                t.span,
                format!(
                    "expected an expression after `{}`, found `)`",
                    self.prev.map_or("", |p| p.text)
                ),
            ),
        }
    }

    /// `,` after a complete operand: only valid between call arguments.
    fn comma(&mut self, t: Token<'s>) -> Result<(), ExprError> {
        self.reduce_all();
        match self.frames.last() {
            Some(Frame::Call {
                func, name, base, ..
            }) => {
                if self.operands.len() - base >= func.arity() {
                    Err(ExprError::at(
                        t.span,
                        format!(
                            "too many arguments: `{}` (at column {}) takes {}",
                            func.name(),
                            name.start + 1,
                            func.arity()
                        ),
                    ))
                } else {
                    Ok(())
                }
            }
            _ => Err(ExprError::at(
                t.span,
                "unexpected `,` (commas only separate the arguments of `min` and `max`)",
            )),
        }
    }

    fn finish(mut self, end: Token<'s>) -> Result<Ast, ExprError> {
        self.reduce_all();
        let unclosed = match self.frames.last() {
            Some(Frame::Paren { open } | Frame::Call { open, .. }) => Some(*open),
            _ => None,
        };
        if let Some(open) = unclosed {
            return Err(ExprError::at(
                end.span,
                format!("missing `)` to close the `(` at column {}", open.start + 1),
            ));
        }
        let root = self.pop_operand();
        debug_assert!(self.operands.is_empty() && self.frames.is_empty());
        Ok(Ast {
            nodes: self.nodes,
            root,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the AST fully parenthesised, e.g. `(-(x^2))`.
    fn show(src: &str, vars: &[&str]) -> String {
        let ast = parse(src, vars).unwrap();
        // Bottom-up rendering over the topologically ordered arena.
        let mut text: Vec<String> = Vec::with_capacity(ast.nodes.len());
        for node in &ast.nodes {
            let s = match node.kind {
                NodeKind::Num(v) => format!("{v}"),
                NodeKind::Var(i) => vars[i as usize].to_string(),
                NodeKind::Neg(a) => format!("(-{})", text[a as usize]),
                NodeKind::Bin(op, a, b) => {
                    let sym = match op {
                        BinOp::Add => "+",
                        BinOp::Sub => "-",
                        BinOp::Mul => "*",
                        BinOp::Div => "/",
                        BinOp::Pow => "^",
                    };
                    format!("({}{sym}{})", text[a as usize], text[b as usize])
                }
                NodeKind::Call1(f, a) => format!("{}({})", f.name(), text[a as usize]),
                NodeKind::Call2(f, a, b) => {
                    format!("{}({},{})", f.name(), text[a as usize], text[b as usize])
                }
            };
            text.push(s);
        }
        text.swap_remove(ast.root as usize)
    }

    #[test]
    fn precedence_and_associativity() {
        let v = &["x", "y", "z"];
        assert_eq!(show("-x^2", v), "(-(x^2))");
        assert_eq!(show("2^-x", v), "(2^(-x))");
        assert_eq!(show("2^3^2", v), "(2^(3^2))");
        assert_eq!(show("x-y-z", v), "((x-y)-z)");
        assert_eq!(show("x/y/z", v), "((x/y)/z)");
        assert_eq!(show("x+y*z", v), "(x+(y*z))");
        assert_eq!(show("-x*y", v), "((-x)*y)");
        assert_eq!(show("x*-y", v), "(x*(-y))");
        assert_eq!(show("x^-y^z", v), "(x^(-(y^z)))");
        assert_eq!(show("x^-y*z", v), "((x^(-y))*z)");
        assert_eq!(show("x**y**z", v), "(x^(y^z))");
        assert_eq!(show("--x", v), "(-(-x))");
        assert_eq!(show("+x", v), "x");
        assert_eq!(show("x - -y", v), "(x-(-y))");
        assert_eq!(show("min(x, y+1)*2", v), "(min(x,(y+1))*2)");
        assert_eq!(show("sin(-(x))^2", v), "(sin((-x))^2)");
    }

    #[test]
    fn spans_cover_the_source() {
        let ast = parse("  (x + 1) * y", &["x", "y"]).unwrap();
        let root = ast.nodes[ast.root as usize];
        assert_eq!(root.span, Span { start: 2, len: 11 });
        let call = parse("max(x, 2)", &["x"]).unwrap();
        assert_eq!(
            call.nodes[call.root as usize].span,
            Span { start: 0, len: 9 }
        );
    }

    #[test]
    fn variables_shadow_constants() {
        assert_eq!(show("e + pi", &["e"]), "(e+3.141592653589793)");
    }

    #[test]
    fn arena_is_topological() {
        let ast = parse("exp(-x^2 - (y+1)^2) * min(x, y) / 2^-x^2", &["x", "y"]).unwrap();
        for (i, node) in ast.nodes.iter().enumerate() {
            let kids: &[NodeId] = match &node.kind {
                NodeKind::Num(_) | NodeKind::Var(_) => &[],
                NodeKind::Neg(a) | NodeKind::Call1(_, a) => std::slice::from_ref(a),
                NodeKind::Bin(_, a, b) | NodeKind::Call2(_, a, b) => &[*a, *b],
            };
            assert!(kids.iter().all(|&k| (k as usize) < i));
        }
    }
}
