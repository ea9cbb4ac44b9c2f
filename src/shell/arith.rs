//! Arithmetic evaluation (`$(( ))`, `(( ))`, `let`, array subscripts) over brush-parser's AST.

use brush_parser::ast::{
    ArithmeticExpr as E, ArithmeticTarget, BinaryOperator as B, UnaryAssignmentOperator as UA,
    UnaryOperator as U,
};

/// Variables as arithmetic sees them.
pub trait ArithEnv {
    /// The text of a variable (or array element `name[index]`), if set.
    fn get_text(&self, name: &str, index: Option<&str>) -> Option<String>;
    /// Assign a number.
    fn set_num(&mut self, name: &str, index: Option<&str>, value: i64) -> Result<(), String>;
}

const MAX_DEPTH: u32 = 64;

/// Evaluate the expression text `src`.
pub fn eval_str(env: &mut dyn ArithEnv, src: &str) -> Result<i64, String> {
    eval_depth(env, src, 0)
}

fn eval_depth(env: &mut dyn ArithEnv, src: &str, depth: u32) -> Result<i64, String> {
    if depth > MAX_DEPTH {
        return Err("expression recursion level exceeded".to_owned());
    }
    let trimmed = src.trim();
    if trimmed.is_empty() {
        return Ok(0);
    }
    let ast = brush_parser::arithmetic::parse(trimmed).map_err(|_| syntax_error(trimmed))?;
    Ev { env, depth }.eval(&ast)
}

fn syntax_error(src: &str) -> String {
    // bash: `1 +`: syntax error: operand expected (error token is "+")
    let tok = src.split_whitespace().last().unwrap_or(src);
    format!("{src}: syntax error: operand expected (error token is \"{tok}\")")
}

/// Parse a number the way bash does: decimal, `0x` hex, leading-zero octal, `BASE#digits`.
pub fn parse_number(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if body.is_empty() {
        return None;
    }
    let v = if let Some((base, digits)) = body.split_once('#') {
        let base: u32 = base.parse().ok()?;
        if !(2..=36).contains(&base) {
            return None;
        }
        i64::from_str_radix(digits, base).ok()?
    } else if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse::<i64>().ok()?
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

struct Ev<'a> {
    env: &'a mut dyn ArithEnv,
    depth: u32,
}

impl Ev<'_> {
    fn target(&mut self, t: &ArithmeticTarget) -> Result<(String, Option<String>), String> {
        Ok(match t {
            ArithmeticTarget::Variable(n) => (n.clone(), None),
            ArithmeticTarget::ArrayElement(n, idx) => {
                let i = self.eval(idx)?;
                (n.clone(), Some(i.to_string()))
            }
        })
    }

    fn read(&mut self, t: &ArithmeticTarget) -> Result<i64, String> {
        let (name, idx) = self.target(t)?;
        match self.env.get_text(&name, idx.as_deref()) {
            None => Ok(0),
            Some(text) => match parse_number(&text) {
                Some(v) => Ok(v),
                None if text.trim().is_empty() => Ok(0),
                None => eval_depth(self.env, &text, self.depth + 1),
            },
        }
    }

    fn write(&mut self, t: &ArithmeticTarget, v: i64) -> Result<i64, String> {
        let (name, idx) = self.target(t)?;
        self.env.set_num(&name, idx.as_deref(), v)?;
        Ok(v)
    }

    fn binary(op: &B, a: i64, b: i64) -> Result<i64, String> {
        Ok(match op {
            B::Power => {
                if b < 0 {
                    return Err("exponent less than 0".to_owned());
                }
                a.wrapping_pow(u32::try_from(b).unwrap_or(u32::MAX))
            }
            B::Multiply => a.wrapping_mul(b),
            B::Divide | B::Modulo => {
                if b == 0 {
                    return Err("division by 0".to_owned());
                }
                if matches!(op, B::Divide) {
                    a.wrapping_div(b)
                } else {
                    a.wrapping_rem(b)
                }
            }
            B::Comma => b,
            B::Add => a.wrapping_add(b),
            B::Subtract => a.wrapping_sub(b),
            B::ShiftLeft => a.wrapping_shl((b & 63) as u32),
            B::ShiftRight => a.wrapping_shr((b & 63) as u32),
            B::LessThan => i64::from(a < b),
            B::LessThanOrEqualTo => i64::from(a <= b),
            B::GreaterThan => i64::from(a > b),
            B::GreaterThanOrEqualTo => i64::from(a >= b),
            B::Equals => i64::from(a == b),
            B::NotEquals => i64::from(a != b),
            B::BitwiseAnd => a & b,
            B::BitwiseXor => a ^ b,
            B::BitwiseOr => a | b,
            B::LogicalAnd => i64::from(a != 0 && b != 0),
            B::LogicalOr => i64::from(a != 0 || b != 0),
        })
    }

    fn eval(&mut self, e: &E) -> Result<i64, String> {
        match e {
            E::Literal(v) => Ok(*v),
            E::Reference(t) => self.read(t),
            E::UnaryOp(op, x) => {
                let v = self.eval(x)?;
                Ok(match op {
                    U::UnaryPlus => v,
                    U::UnaryMinus => v.wrapping_neg(),
                    U::BitwiseNot => !v,
                    U::LogicalNot => i64::from(v == 0),
                })
            }
            E::BinaryOp(B::LogicalAnd, a, b) => {
                if self.eval(a)? == 0 {
                    return Ok(0);
                }
                Ok(i64::from(self.eval(b)? != 0))
            }
            E::BinaryOp(B::LogicalOr, a, b) => {
                if self.eval(a)? != 0 {
                    return Ok(1);
                }
                Ok(i64::from(self.eval(b)? != 0))
            }
            E::BinaryOp(op, a, b) => {
                let x = self.eval(a)?;
                let y = self.eval(b)?;
                Self::binary(op, x, y)
            }
            E::Conditional(c, a, b) => {
                if self.eval(c)? != 0 {
                    self.eval(a)
                } else {
                    self.eval(b)
                }
            }
            E::Assignment(t, x) => {
                let v = self.eval(x)?;
                self.write(t, v)
            }
            E::BinaryAssignment(op, t, x) => {
                let cur = self.read(t)?;
                let v = self.eval(x)?;
                let r = Self::binary(op, cur, v)?;
                self.write(t, r)
            }
            E::UnaryAssignment(op, t) => {
                let cur = self.read(t)?;
                let (new, ret) = match op {
                    UA::PrefixIncrement => (cur.wrapping_add(1), cur.wrapping_add(1)),
                    UA::PrefixDecrement => (cur.wrapping_sub(1), cur.wrapping_sub(1)),
                    UA::PostfixIncrement => (cur.wrapping_add(1), cur),
                    UA::PostfixDecrement => (cur.wrapping_sub(1), cur),
                };
                self.write(t, new)?;
                Ok(ret)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[derive(Default)]
    struct M(HashMap<String, String>);
    impl ArithEnv for M {
        fn get_text(&self, name: &str, _: Option<&str>) -> Option<String> {
            self.0.get(name).cloned()
        }
        fn set_num(&mut self, name: &str, _: Option<&str>, v: i64) -> Result<(), String> {
            self.0.insert(name.to_owned(), v.to_string());
            Ok(())
        }
    }

    #[test]
    fn evaluates() {
        let mut m = M::default();
        assert_eq!(eval_str(&mut m, "1 + 2 * 3").unwrap(), 7);
        assert_eq!(eval_str(&mut m, "x = 5, x++, x").unwrap(), 6);
        assert_eq!(eval_str(&mut m, "2 ** 10").unwrap(), 1024);
        assert_eq!(eval_str(&mut m, "x > 3 ? 10 : 20").unwrap(), 10);
        assert_eq!(eval_str(&mut m, "0x10 + 010 + 2#101").unwrap(), 16 + 8 + 5);
        assert!(eval_str(&mut m, "1 / 0")
            .unwrap_err()
            .contains("division by 0"));
        m.0.insert("y".into(), "x * 2".into());
        assert_eq!(eval_str(&mut m, "y + 1").unwrap(), 13);
        m.0.insert("r".into(), "r".into());
        assert!(eval_str(&mut m, "r").is_err());
    }
}
