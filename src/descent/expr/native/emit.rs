//! The native code of each instruction: [`emit`], the twin of `tape::step`,
//! and the library functions it calls.

use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{InstBuilder, Value};

use super::codegen::{D, Emitter};
use crate::descent::expr::MAX_LANES;
use crate::descent::expr::tape::{OpKind, Slotted};

// The library functions, called exactly as the interpreter calls them.
extern "C" fn j_exp(x: f64) -> f64 {
    x.exp()
}
extern "C" fn j_ln(x: f64) -> f64 {
    x.ln()
}
extern "C" fn j_log10(x: f64) -> f64 {
    x.log10()
}
extern "C" fn j_sin(x: f64) -> f64 {
    x.sin()
}
extern "C" fn j_cos(x: f64) -> f64 {
    x.cos()
}
extern "C" fn j_tan(x: f64) -> f64 {
    x.tan()
}
extern "C" fn j_tanh(x: f64) -> f64 {
    x.tanh()
}
extern "C" fn j_powf(x: f64, y: f64) -> f64 {
    x.powf(y)
}

/// Whether native code for `op` calls a library function.
pub(super) fn calls_library(op: OpKind) -> bool {
    use OpKind::*;
    matches!(
        op,
        Pow | CPow
            | PowF
            | Sin
            | Cos
            | Tan
            | Exp
            | Ln
            | Log10
            | Tanh
            | Sigmoid
            | ExpNeg
            | ExpNegAdd
    )
}

/// The native twin of `tape::step` for one instruction with operands `p`
/// and (two-operand operations) `q`.
pub(super) fn emit(e: &mut Emitter<'_>, ins: &Slotted, p: D, q: D) -> D {
    use OpKind::*;
    let op = ins.code.op();
    let c = ins.imm.c;
    let c2 = ins.imm.c2;
    match op {
        Add => {
            let v = e.add(p.v, q.v);
            let d = e.zip(&p, &q, |e, x, y| e.add(x, y));
            D { v, d }
        }
        Sub => {
            let v = e.sub(p.v, q.v);
            let d = e.zip(&p, &q, |e, x, y| e.sub(x, y));
            D { v, d }
        }
        Mul => {
            let v = e.mul(p.v, q.v);
            let d = e.zip(&p, &q, |e, x, y| {
                let l = e.mul(q.v, x);
                let r = e.mul(p.v, y);
                e.add(l, r)
            });
            D { v, d }
        }
        Div => {
            let v = e.div(p.v, q.v);
            let one = e.c(1.0);
            let r = e.div(one, q.v);
            let d = e.zip(&p, &q, |e, x, y| {
                let vy = e.mul(v, y);
                let t = e.sub(x, vy);
                e.mul(t, r)
            });
            D { v, d }
        }
        Pow => {
            let v = e.call2(j_powf, p.v, q.v);
            let one = e.c(1.0);
            let zero = e.c(0.0);
            let qm1 = e.sub(q.v, one);
            let pw = e.call2(j_powf, p.v, qm1);
            let ga = e.mul(q.v, pw);
            let ln = e.call1(j_ln, p.v);
            let vln = e.mul(v, ln);
            let v_zero = e.cmp(FloatCC::Equal, v, zero);
            let gb = e.select(v_zero, zero, vln);
            let d = e.zip(&p, &q, |e, x, y| {
                let ta = term(e, ga, x, zero);
                let tb = term(e, gb, y, zero);
                e.add(ta, tb)
            });
            D { v, d }
        }
        Min | Max => {
            let cc = if op == Min {
                FloatCC::LessThan
            } else {
                FloatCC::GreaterThan
            };
            let before = e.cmp(cc, q.v, p.v);
            let nan = e.cmp(FloatCC::Unordered, q.v, q.v);
            let take_q = e.b.ins().bor(before, nan);
            let v = e.select(take_q, q.v, p.v);
            let d = e.zip(&p, &q, |e, x, y| e.select(take_q, y, x));
            D { v, d }
        }
        AddC => {
            let k = e.c(c);
            let v = e.add(p.v, k);
            D { v, d: p.d }
        }
        MulC => {
            let k = e.c(c);
            let v = e.mul(p.v, k);
            e.chain(&p, v, k)
        }
        DivC => {
            let k = e.c(c);
            let v = e.div(p.v, k);
            let g = e.c(c2);
            e.chain(&p, v, g)
        }
        CSub => {
            let k = e.c(c);
            let v = e.sub(k, p.v);
            let d = e.map(&p, |e, x| e.neg(x));
            D { v, d }
        }
        CDiv => {
            let k = e.c(c);
            let v = e.div(k, p.v);
            let nv = e.neg(v);
            let g = e.div(nv, p.v);
            e.chain(&p, v, g)
        }
        CPow => {
            let k = e.c(c);
            let v = e.call2(j_powf, k, p.v);
            let zero = e.c(0.0);
            let l = e.c(c2);
            let vl = e.mul(v, l);
            let v_zero = e.cmp(FloatCC::Equal, v, zero);
            let g = e.select(v_zero, zero, vl);
            e.chain(&p, v, g)
        }
        PowI => {
            // `tape::powi_with_slope`
            let k = c as i32;
            let m = k.unsigned_abs();
            let pm = e.ipow(p.v, m - 1);
            let qm = e.mul(pm, p.v);
            let kf = e.c(k as f64);
            let (v, g) = if k > 0 {
                let g = e.mul(kf, pm);
                (qm, g)
            } else {
                let one = e.c(1.0);
                let v = e.div(one, qm);
                let qx = e.mul(qm, p.v);
                let g = e.div(kf, qx);
                (v, g)
            };
            e.chain(&p, v, g)
        }
        PowF => {
            let k = e.c(c);
            let v = e.call2(j_powf, p.v, k);
            let one = e.c(1.0);
            let zero = e.c(0.0);
            let km1 = e.sub(k, one);
            let pw = e.call2(j_powf, p.v, km1);
            let at_zero = e.mul(k, pw);
            let kv = e.mul(k, v);
            let elsewhere = e.div(kv, p.v);
            let is_zero = e.cmp(FloatCC::Equal, p.v, zero);
            let g = e.select(is_zero, at_zero, elsewhere);
            e.chain(&p, v, g)
        }
        Square => {
            let v = e.mul(p.v, p.v);
            let two = e.c(2.0);
            let g = e.mul(two, p.v);
            e.chain(&p, v, g)
        }
        Neg => {
            let v = e.neg(p.v);
            let d = e.map(&p, |e, x| e.neg(x));
            D { v, d }
        }
        Sin => {
            let v = e.call1(j_sin, p.v);
            let g = e.call1(j_cos, p.v);
            e.chain(&p, v, g)
        }
        Cos => {
            let v = e.call1(j_cos, p.v);
            let s = e.call1(j_sin, p.v);
            let g = e.neg(s);
            e.chain(&p, v, g)
        }
        Tan => {
            let t = e.call1(j_tan, p.v);
            let one = e.c(1.0);
            let tt = e.mul(t, t);
            let g = e.add(one, tt);
            e.chain(&p, t, g)
        }
        Exp => {
            let v = e.exp(j_exp, p.v);
            e.chain(&p, v, v)
        }
        Ln => {
            let v = e.call1(j_ln, p.v);
            let one = e.c(1.0);
            let g = e.div(one, p.v);
            e.chain(&p, v, g)
        }
        Log10 => {
            let v = e.call1(j_log10, p.v);
            let one = e.c(1.0);
            let ln10 = e.c(std::f64::consts::LN_10);
            let den = e.mul(p.v, ln10);
            let g = e.div(one, den);
            e.chain(&p, v, g)
        }
        Sqrt => {
            let v = e.b.ins().sqrt(p.v);
            let half = e.c(0.5);
            let g = e.div(half, v);
            e.chain(&p, v, g)
        }
        Floor | Ceil => {
            let v = if op == Floor {
                e.b.ins().floor(p.v)
            } else {
                e.b.ins().ceil(p.v)
            };
            let zero = e.c(0.0);
            D {
                v,
                d: [zero; MAX_LANES],
            }
        }
        Abs => {
            let zero = e.c(0.0);
            let one = e.c(1.0);
            let minus = e.c(-1.0);
            let pos = e.cmp(FloatCC::GreaterThan, p.v, zero);
            let neg = e.cmp(FloatCC::LessThan, p.v, zero);
            let below = e.select(neg, minus, zero);
            let g = e.select(pos, one, below);
            let v = e.b.ins().fabs(p.v);
            e.chain(&p, v, g)
        }
        Tanh => {
            let t = e.call1(j_tanh, p.v);
            let one = e.c(1.0);
            let tt = e.mul(t, t);
            let g = e.sub(one, tt);
            e.chain(&p, t, g)
        }
        Sigmoid => {
            // `tape::sigmoid`: 1 / (1 + exp(-x))
            let nx = e.neg(p.v);
            let ex = e.exp(j_exp, nx);
            let one = e.c(1.0);
            let den = e.add(one, ex);
            let s = e.div(one, den);
            let oms = e.sub(one, s);
            let g = e.mul(s, oms);
            e.chain(&p, s, g)
        }
        SqAddC => {
            let k = e.c(c);
            let t = e.add(p.v, k);
            let v = e.mul(t, t);
            let two = e.c(2.0);
            let g = e.mul(two, t);
            e.chain(&p, v, g)
        }
        SqCSub => {
            let k = e.c(c);
            let t = e.sub(k, p.v);
            let v = e.mul(t, t);
            let m2 = e.c(-2.0);
            let g = e.mul(m2, t);
            e.chain(&p, v, g)
        }
        SqAdd | SqSub => {
            let t = if op == SqAdd {
                e.add(p.v, q.v)
            } else {
                e.sub(p.v, q.v)
            };
            let two = e.c(2.0);
            let g = e.mul(two, t);
            let v = e.mul(t, t);
            let d = e.zip(&p, &q, |e, x, y| {
                let s = if op == SqAdd {
                    e.add(x, y)
                } else {
                    e.sub(x, y)
                };
                e.mul(g, s)
            });
            D { v, d }
        }
        ExpNeg => {
            let nx = e.neg(p.v);
            let v = e.exp(j_exp, nx);
            let g = e.neg(v);
            e.chain(&p, v, g)
        }
        ExpNegAdd => {
            let s = e.add(p.v, q.v);
            let ns = e.neg(s);
            let v = e.exp(j_exp, ns);
            let nv = e.neg(v);
            let d = e.zip(&p, &q, |e, x, y| {
                let xy = e.add(x, y);
                e.mul(nv, xy)
            });
            D { v, d }
        }
        MulCMul => {
            let k = e.c(c);
            let m = e.mul(p.v, k);
            let v = e.mul(m, q.v);
            let d = e.zip(&p, &q, |e, x, y| {
                let cx = e.mul(k, x);
                let l = e.mul(q.v, cx);
                let r = e.mul(m, y);
                e.add(l, r)
            });
            D { v, d }
        }
        AddMulC => {
            let k = e.c(c);
            let qc = e.mul(q.v, k);
            let v = e.add(p.v, qc);
            let d = e.zip(&p, &q, |e, x, y| {
                let cy = e.mul(k, y);
                e.add(x, cy)
            });
            D { v, d }
        }
    }
}

/// `if x == 0 { 0 } else { g * x }`: a zero partial stays zero even where
/// the local slope is infinite or NaN (see `tape::step`'s `Pow`).
fn term(e: &mut Emitter<'_>, g: Value, x: Value, zero: Value) -> Value {
    let gx = e.mul(g, x);
    let is_zero = e.cmp(FloatCC::Equal, x, zero);
    e.select(is_zero, zero, gx)
}
