//! Disassembler: a stable, readable text dump of a compiled `Unit`, used by snapshot tests
//! and for debugging. One line per instruction: index, source line, op and operands
//! (`r3` registers, `c1="foo"` constants with their value, `L12` labels, `p0{...}` paths).

use std::fmt::Write;

use super::bytecode::{
    ClassDef, ClassOperand, ConstInit, Func, Op, Operand, Path, PathBase, PathElem, PropObj, Unit,
};
use super::coerce::{SimpleType, TypeMember, TypeSpec};
use super::value::Value;

/// Dumps a whole unit: main, functions, classes.
pub fn disassemble(unit: &Unit) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "unit {:?}", unit.file.to_string_lossy());
    let _ = writeln!(out, "hoisted functions: {:?}", unit.hoisted_functions);
    let _ = writeln!(out, "hoisted classes: {:?}", unit.hoisted_classes);
    out.push('\n');
    dump_func(&mut out, &unit.main, 0, "main");
    for (i, f) in unit.functions.iter().enumerate() {
        out.push('\n');
        dump_func(&mut out, f, 0, &format!("function #{i}"));
    }
    for (i, c) in unit.classes.iter().enumerate() {
        out.push('\n');
        dump_class(&mut out, c, i);
    }
    out
}

/// Dumps one function (and its children).
pub fn disassemble_func(f: &Func) -> String {
    let mut out = String::new();
    dump_func(&mut out, f, 0, "func");
    out
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Undef => "undef".into(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Str(s) => format!("{:?}", s.to_string_lossy()),
        Value::Array(a) => {
            let items: Vec<String> = a
                .iter()
                .map(|(k, v)| format!("{}=>{}", value_text(&k.to_value()), value_text(v)))
                .collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(_) => "object".into(),
        Value::Ref(r) => format!("&{}", value_text(&r.borrow())),
    }
}

/// Type declarations as written (`?int`, `A|B`, `A&B`).
pub fn type_text(t: &TypeSpec) -> String {
    let parts: Vec<String> = t
        .members
        .iter()
        .map(|m| match m {
            TypeMember::Simple(SimpleType::Class(c)) => String::from_utf8_lossy(c).into_owned(),
            TypeMember::Simple(s) => format!("{s:?}").to_ascii_lowercase(),
            TypeMember::Intersection(cs) => cs
                .iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("&"),
        })
        .collect();
    parts.join("|")
}

struct Ctx<'a> {
    f: &'a Func,
}

impl Ctx<'_> {
    fn o(&self, o: Operand) -> String {
        if o.is_const() {
            match self.f.consts.get(o.index() as usize) {
                Some(v) => format!("c{}={}", o.index(), value_text(v)),
                None => format!("c{}=?", o.index()),
            }
        } else {
            self.r(o.index())
        }
    }

    fn oo(&self, o: Option<Operand>) -> String {
        o.map_or("-".into(), |o| self.o(o))
    }

    fn r(&self, s: u32) -> String {
        format!("r{s}")
    }

    fn rr(&self, s: Option<u32>) -> String {
        s.map_or("-".into(), |s| self.r(s))
    }

    fn class(&self, c: ClassOperand) -> String {
        match c {
            ClassOperand::Named(o) => self.o(o),
            ClassOperand::SelfClass => "self".into(),
            ClassOperand::Parent => "parent".into(),
            ClassOperand::Static => "static".into(),
            ClassOperand::Dynamic(o) => format!("dyn({})", self.o(o)),
        }
    }

    /// `obj->name` of a `PropGet`/`PropSet` site.
    fn prop(&self, obj: PropObj, site: u32) -> String {
        let obj = match obj {
            PropObj::This => "$this".into(),
            PropObj::Reg(slot) => match self.f.local_names.get(slot as usize) {
                Some(n) => format!("${}", n.to_string_lossy()),
                None => self.r(slot),
            },
        };
        match self.f.prop_sites.get(site as usize) {
            Some(s) => format!("{obj}->{}", self.o(Operand::constant(s.name))),
            None => format!("{obj}->site{site}?"),
        }
    }

    fn path(&self, idx: u32) -> String {
        let Some(p) = self.f.paths.get(idx as usize) else {
            return format!("p{idx}{{?}}");
        };
        format!("p{idx}{{{}}}", self.path_text(p))
    }

    fn path_text(&self, p: &Path) -> String {
        let mut s = match &p.base {
            PathBase::Local(slot) => match self.f.local_names.get(*slot as usize) {
                Some(n) => format!("${}", n.to_string_lossy()),
                None => self.r(*slot),
            },
            PathBase::VarVar(o) => format!("$$({})", self.o(*o)),
            PathBase::Object(o) => format!("obj({})", self.o(*o)),
            PathBase::This => "$this".into(),
            PathBase::StaticProp(c, n) => format!("{}::${}", self.class(*c), self.o(*n)),
            PathBase::Temp(o) => format!("tmp({})", self.o(*o)),
            PathBase::Superglobal(o) => format!("super({})", self.o(*o)),
        };
        for e in &p.elems {
            match e {
                PathElem::Dim(o) => {
                    let _ = write!(s, "[{}]", self.o(*o));
                }
                PathElem::Append => s.push_str("[]"),
                PathElem::Prop(o) => {
                    let _ = write!(s, "->{}", self.o(*o));
                }
            }
        }
        s
    }

    fn op(&self, op: &Op) -> String {
        let l = |t: u32| format!("L{t}");
        match op {
            Op::Nop => "Nop".into(),
            Op::Move { dst, src } => format!("Move {}, {}", self.r(*dst), self.o(*src)),
            Op::AssignLocal { dst, src } => {
                format!("AssignLocal {}, {}", self.r(*dst), self.o(*src))
            }
            Op::FetchLocal { dst, src } => format!("FetchLocal {}, {}", self.r(*dst), self.r(*src)),
            Op::Binary { op, dst, a, b } => {
                format!(
                    "Binary {op:?} {}, {}, {}",
                    self.r(*dst),
                    self.o(*a),
                    self.o(*b)
                )
            }
            Op::BinaryLocal { op, dst, a, b } => {
                format!(
                    "BinaryLocal {op:?} {}, {}, {}",
                    self.r(*dst),
                    self.o(*a),
                    self.o(*b)
                )
            }
            Op::Not { dst, a } => format!("Not {}, {}", self.r(*dst), self.o(*a)),
            Op::Neg { dst, a } => format!("Neg {}, {}", self.r(*dst), self.o(*a)),
            Op::Plus { dst, a } => format!("Plus {}, {}", self.r(*dst), self.o(*a)),
            Op::BitNot { dst, a } => format!("BitNot {}, {}", self.r(*dst), self.o(*a)),
            Op::ToBool { dst, a } => format!("ToBool {}, {}", self.r(*dst), self.o(*a)),
            Op::Cast { dst, a, ty } => format!("Cast {ty:?} {}, {}", self.r(*dst), self.o(*a)),
            Op::ConcatTo { dst, a } => format!("ConcatTo {}, {}", self.r(*dst), self.o(*a)),
            Op::ConcatN { dst, parts } => {
                let list = match self.f.arg_lists.get(*parts as usize) {
                    Some(ops) => ops
                        .iter()
                        .map(|o| self.o(*o))
                        .collect::<Vec<_>>()
                        .join(" . "),
                    None => "?".to_string(),
                };
                format!("ConcatN {} = {list}", self.r(*dst))
            }
            Op::ConcatAssignLocal { dst, a, result } => {
                format!(
                    "ConcatAssignLocal {}, {} -> {}",
                    self.r(*dst),
                    self.o(*a),
                    self.rr(*result)
                )
            }
            Op::IncDecLocal { slot, kind, result } => {
                format!(
                    "IncDecLocal {kind:?} {} -> {}",
                    self.r(*slot),
                    self.rr(*result)
                )
            }
            Op::Jmp { target } => format!("Jmp {}", l(*target)),
            Op::JmpIf { cond, target } => format!("JmpIf {}, {}", self.o(*cond), l(*target)),
            Op::JmpIfNot { cond, target } => format!("JmpIfNot {}, {}", self.o(*cond), l(*target)),
            Op::JmpNotNull { a, target } => format!("JmpNotNull {}, {}", self.o(*a), l(*target)),
            Op::JmpNotLt { a, b, target } => {
                format!("JmpNotLt {}, {}, {}", self.o(*a), self.o(*b), l(*target))
            }
            Op::JmpNotLe { a, b, target } => {
                format!("JmpNotLe {}, {}, {}", self.o(*a), self.o(*b), l(*target))
            }
            Op::JmpLt { a, b, target } => {
                format!("JmpLt {}, {}, {}", self.o(*a), self.o(*b), l(*target))
            }
            Op::JmpLe { a, b, target } => {
                format!("JmpLe {}, {}, {}", self.o(*a), self.o(*b), l(*target))
            }
            Op::Echo { a } => format!("Echo {}", self.o(*a)),
            Op::PathOp {
                path,
                action,
                val,
                dst,
            } => format!(
                "PathOp {action:?} {}, val={}, dst={}",
                self.path(*path),
                self.oo(*val),
                self.rr(*dst)
            ),
            Op::PropGet { dst, obj, site } => {
                format!("PropGet {}, {}", self.r(*dst), self.prop(*obj, *site))
            }
            Op::PropSet {
                obj,
                site,
                action,
                val,
                dst,
            } => format!(
                "PropSet {action:?} {}, val={}, dst={}",
                self.prop(*obj, *site),
                self.oo(*val),
                self.rr(*dst)
            ),
            Op::FetchDim { dst, base, key } => {
                format!(
                    "FetchDim {}, {}[{}]",
                    self.r(*dst),
                    self.o(*base),
                    self.o(*key)
                )
            }
            Op::FetchListItem { dst, base, key } => {
                format!(
                    "FetchListItem {}, {}[{}]",
                    self.r(*dst),
                    self.o(*base),
                    self.o(*key)
                )
            }
            Op::FetchProp {
                dst,
                obj,
                name,
                nullsafe,
            } => format!(
                "FetchProp {}, {}{}{}",
                self.r(*dst),
                self.o(*obj),
                if *nullsafe { "?->" } else { "->" },
                self.o(*name)
            ),
            Op::NewArray { dst, cap } => format!("NewArray {}, cap={cap}", self.r(*dst)),
            Op::ArrayPush { arr, val } => format!("ArrayPush {}, {}", self.r(*arr), self.o(*val)),
            Op::ArraySet { arr, key, val } => {
                format!(
                    "ArraySet {}[{}], {}",
                    self.r(*arr),
                    self.o(*key),
                    self.o(*val)
                )
            }
            Op::ArraySetRef { arr, key, val } => {
                format!(
                    "ArraySetRef {}[{}], {}",
                    self.r(*arr),
                    self.oo(*key),
                    self.o(*val)
                )
            }
            Op::ArraySpread { arr, src } => {
                format!("ArraySpread {}, {}", self.r(*arr), self.o(*src))
            }
            Op::BindGlobal { slot, name } => {
                format!("BindGlobal {}, {}", self.r(*slot), self.o(*name))
            }
            Op::BindStatic { slot, idx, init } => {
                format!(
                    "BindStatic {}, static#{idx}, init={}",
                    self.r(*slot),
                    self.oo(*init)
                )
            }
            Op::JmpStaticInit { idx, target } => {
                format!("JmpStaticInit static#{idx}, {}", l(*target))
            }
            Op::UnsetLocal { slot } => format!("UnsetLocal {}", self.r(*slot)),
            Op::IssetLocal { dst, slot } => {
                format!("IssetLocal {}, {}", self.r(*dst), self.r(*slot))
            }
            Op::LoadSpecial { dst, what } => format!("LoadSpecial {what:?} {}", self.r(*dst)),
            Op::FetchConst {
                dst,
                name,
                fallback,
            } => {
                format!(
                    "FetchConst {}, {}, fallback={}",
                    self.r(*dst),
                    self.o(*name),
                    self.oo(*fallback)
                )
            }
            Op::FetchClassConst { dst, class, name } => {
                format!(
                    "FetchClassConst {}, {}::{}",
                    self.r(*dst),
                    self.class(*class),
                    self.o(*name)
                )
            }
            Op::ClassName { dst, class } => {
                format!("ClassName {}, {}", self.r(*dst), self.class(*class))
            }
            Op::DeclareConst { name, val } => {
                format!("DeclareConst {}, {}", self.o(*name), self.o(*val))
            }
            Op::DeclareFunction { idx } => format!("DeclareFunction #{idx}"),
            Op::DeclareClass { idx } => format!("DeclareClass #{idx}"),
            Op::MakeClosure { dst, func } => format!("MakeClosure {}, child#{func}", self.r(*dst)),
            Op::InitFCall {
                name,
                fallback,
                n_args,
            } => {
                format!(
                    "InitFCall {}, fallback={}, n={n_args}",
                    self.o(*name),
                    self.oo(*fallback)
                )
            }
            Op::InitDynCall { callee, n_args } => {
                format!("InitDynCall {}, n={n_args}", self.o(*callee))
            }
            Op::InitMethodCall {
                obj,
                name,
                nullsafe,
                n_args,
            } => format!(
                "InitMethodCall {}{}{}, n={n_args}",
                self.o(*obj),
                if *nullsafe { "?->" } else { "->" },
                self.o(*name)
            ),
            Op::InitStaticCall {
                class,
                name,
                n_args,
            } => {
                format!(
                    "InitStaticCall {}::{}, n={n_args}",
                    self.class(*class),
                    self.o(*name)
                )
            }
            Op::InitNew { dst, class, n_args } => {
                format!(
                    "InitNew {}, {}, n={n_args}",
                    self.r(*dst),
                    self.class(*class)
                )
            }
            Op::SendVal { val } => format!("SendVal {}", self.o(*val)),
            Op::SendVar { val, notice } => {
                format!(
                    "SendVar {}{}",
                    self.o(*val),
                    if *notice { "" } else { " quiet" }
                )
            }
            Op::SendPath { path } => format!("SendPath {}", self.path(*path)),
            Op::SendUnpack { val } => format!("SendUnpack {}", self.o(*val)),
            Op::SendNamed { name, val } => format!("SendNamed {}, {}", self.o(*name), self.o(*val)),
            Op::SendNamedPath { name, path } => {
                format!("SendNamedPath {}, {}", self.o(*name), self.path(*path))
            }
            Op::DoCall { dst } => format!("DoCall -> {}", self.rr(*dst)),
            Op::CallableFromPending { dst } => format!("CallableFromPending {}", self.r(*dst)),
            Op::Return { val } => format!("Return {}", self.oo(*val)),
            Op::ReturnRef { val } => format!("ReturnRef {}", self.o(*val)),
            Op::JmpIfArgPassed { idx, target } => {
                format!("JmpIfArgPassed arg#{idx}, {}", l(*target))
            }
            Op::VerifyParam { idx } => format!("VerifyParam arg#{idx}"),
            Op::VerifyReturn { val } => format!("VerifyReturn {}", self.r(*val)),
            Op::VerifyNoReturn => "VerifyNoReturn".to_string(),
            Op::IterInit {
                iter,
                subject,
                by_ref_path,
                end,
            } => format!(
                "IterInit {}, {}, by_ref={}, {}",
                self.r(*iter),
                self.o(*subject),
                by_ref_path.map_or("-".into(), |p| self.path(p)),
                l(*end)
            ),
            Op::IterNext {
                iter,
                val,
                key,
                by_ref,
                end,
            } => format!(
                "IterNext {}, val={}{}, key={}, {}",
                self.r(*iter),
                if *by_ref { "&" } else { "" },
                self.rr(*val),
                self.rr(*key),
                l(*end)
            ),
            Op::IterFree { iter } => format!("IterFree {}", self.r(*iter)),
            Op::Throw { val } => format!("Throw {}", self.o(*val)),
            Op::TryMarker => "TryMarker".into(),
            Op::PromoteParams => "PromoteParams".into(),
            Op::Catch { dst } => format!("Catch {}", self.rr(*dst)),
            Op::EndFinally => "EndFinally".into(),
            Op::JmpThroughFinally { target } => format!("JmpThroughFinally {}", l(*target)),
            Op::Include { dst, path, kind } => {
                format!("Include {kind:?} {}, {}", self.r(*dst), self.o(*path))
            }
            Op::Eval { dst, code } => format!("Eval {}, {}", self.r(*dst), self.o(*code)),
            Op::Exit { val } => format!("Exit {}", self.oo(*val)),
            Op::Clone { dst, val } => format!("Clone {}, {}", self.r(*dst), self.o(*val)),
            Op::InstanceOf { dst, val, class } => {
                format!(
                    "InstanceOf {}, {}, {}",
                    self.r(*dst),
                    self.o(*val),
                    self.class(*class)
                )
            }
            Op::BeginSilence { slot } => format!("BeginSilence {}", self.r(*slot)),
            Op::EndSilence { slot } => format!("EndSilence {}", self.r(*slot)),
            Op::Yield { dst, key, val } => {
                format!(
                    "Yield {}, key={}, val={}",
                    self.rr(*dst),
                    self.oo(*key),
                    self.oo(*val)
                )
            }
            Op::YieldFrom { dst, src } => format!("YieldFrom {}, {}", self.rr(*dst), self.o(*src)),
            Op::MatchError { val } => format!("MatchError {}", self.o(*val)),
            Op::Switch {
                subject,
                table,
                default,
                strict,
            } => format!(
                "Switch {}, table#{table}, default={}, strict={strict}",
                self.o(*subject),
                l(*default)
            ),
            Op::FetchVarVar { dst, name, quiet } => {
                format!(
                    "FetchVarVar {}, {}, quiet={quiet}",
                    self.r(*dst),
                    self.o(*name)
                )
            }
            Op::CallIntrinsic {
                dst,
                which,
                args,
                n,
            } => {
                format!("CallIntrinsic {which:?} {} <- r{args}..+{n}", self.rr(*dst))
            }
            Op::CallBuiltin { dst, builtin, args } => {
                let name = crate::vm::builtins::by_index(*builtin).map_or("?", |b| b.name);
                let list = match self.f.arg_lists.get(*args as usize) {
                    Some(ops) => ops
                        .iter()
                        .map(|o| self.o(*o))
                        .collect::<Vec<_>>()
                        .join(", "),
                    None => "?".to_string(),
                };
                format!("CallBuiltin {name}({list}) -> {}", self.rr(*dst))
            }
        }
    }
}

fn dump_func(out: &mut String, f: &Func, indent: usize, title: &str) {
    let pad = " ".repeat(indent);
    let mut flags = Vec::new();
    if f.is_generator {
        flags.push("generator");
    }
    if f.is_static {
        flags.push("static");
    }
    if f.dynamic_vars {
        flags.push("dynamic_vars");
    }
    if f.by_ref_return {
        flags.push("by_ref_return");
    }
    if f.strict_types {
        flags.push("strict_types");
    }
    let _ = writeln!(
        out,
        "{pad}{title} {:?} lines {}-{} slots={} statics={}{}{}",
        f.name.to_string_lossy(),
        f.line_start,
        f.line_end,
        f.n_slots,
        f.n_statics,
        f.class_name.as_ref().map_or(String::new(), |c| format!(
            " class={:?}",
            c.to_string_lossy()
        )),
        if flags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", flags.join(", "))
        }
    );
    let locals: Vec<String> = f
        .local_names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("r{i}=${}", n.to_string_lossy()))
        .collect();
    let _ = writeln!(out, "{pad}  locals: {}", locals.join(" "));
    for (i, p) in f.params.iter().enumerate() {
        let mut s = format!("{pad}  param #{i} ${}", p.name.to_string_lossy());
        if let Some(t) = &p.ty {
            let _ = write!(s, ": {}", type_text(t));
        }
        if p.by_ref {
            s.push_str(" by_ref");
        }
        if p.variadic {
            s.push_str(" variadic");
        }
        if p.optional {
            s.push_str(" optional");
        }
        if let Some(v) = p.promote {
            let _ = write!(s, " promote={v:?}");
        }
        let _ = writeln!(out, "{s}");
    }
    if let Some(t) = &f.return_type {
        let _ = writeln!(out, "{pad}  returns: {}", type_text(t));
    }
    for (child, by_ref, parent) in &f.captures {
        let _ = writeln!(
            out,
            "{pad}  capture r{child} <- parent r{parent}{}",
            if *by_ref { " by_ref" } else { "" }
        );
    }
    let ctx = Ctx { f };
    for (i, op) in f.code.iter().enumerate() {
        let line = f.lines.get(i).copied().unwrap_or(0);
        let _ = writeln!(out, "{pad}  {i:04} L{line:<4} {}", ctx.op(op));
    }
    for t in &f.tries {
        let catches: Vec<String> = t
            .catches
            .iter()
            .map(|(names, l)| {
                let n: Vec<String> = names.iter().map(|n| n.to_string_lossy()).collect();
                format!("{} -> L{l}", n.join("|"))
            })
            .collect();
        let _ = writeln!(
            out,
            "{pad}  try [L{}, L{}) catch [{}] finally={} after=L{}",
            t.start,
            t.end,
            catches.join(", "),
            t.finally.map_or("-".into(), |l| format!("L{l}")),
            t.after
        );
    }
    for (i, c) in f.children.iter().enumerate() {
        dump_func(out, c, indent + 2, &format!("child #{i}"));
    }
}

fn const_init_text(out: &mut String, c: &ConstInit, indent: usize) -> String {
    match c {
        ConstInit::Value(v) => value_text(v),
        ConstInit::Code(f) => {
            let mut s = String::new();
            dump_func(&mut s, f, indent + 2, "init");
            out.push_str("");
            format!("<code>\n{}", s.trim_end())
        }
    }
}

fn dump_class(out: &mut String, c: &ClassDef, idx: usize) {
    let mut flags = Vec::new();
    if c.is_abstract {
        flags.push("abstract");
    }
    if c.is_final {
        flags.push("final");
    }
    if c.is_readonly {
        flags.push("readonly");
    }
    let _ = writeln!(
        out,
        "class #{idx} {:?} {:?}{} lines {}-{}",
        c.name.to_string_lossy(),
        c.kind,
        if flags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", flags.join(", "))
        },
        c.line_start,
        c.line_end
    );
    let list = |v: &[super::value::PhpStr]| {
        v.iter()
            .map(|s| s.to_string_lossy())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(p) = &c.parent {
        let _ = writeln!(out, "  extends {}", p.to_string_lossy());
    }
    if !c.interfaces.is_empty() {
        let _ = writeln!(out, "  implements {}", list(&c.interfaces));
    }
    if !c.traits.is_empty() {
        let _ = writeln!(out, "  use {}", list(&c.traits));
    }
    for r in &c.trait_rules {
        let _ = writeln!(out, "  rule {r:?}");
    }
    if let Some(b) = &c.enum_backing {
        let _ = writeln!(out, "  backed by {}", type_text(b));
    }
    for k in &c.consts {
        let mut scratch = String::new();
        let v = const_init_text(&mut scratch, &k.value, 2);
        let _ = writeln!(
            out,
            "  const {:?}{} {} = {}",
            k.visibility,
            if k.is_final { " final" } else { "" },
            k.name.to_string_lossy(),
            v
        );
    }
    for p in &c.props {
        let mut scratch = String::new();
        let d = p
            .default
            .as_ref()
            .map_or("-".into(), |d| const_init_text(&mut scratch, d, 2));
        let _ = writeln!(
            out,
            "  prop {:?}{}{} {}${} = {}",
            p.visibility,
            if p.is_static { " static" } else { "" },
            if p.is_readonly { " readonly" } else { "" },
            p.ty.as_ref()
                .map_or(String::new(), |t| format!("{} ", type_text(t))),
            p.name.to_string_lossy(),
            d
        );
    }
    for (name, v) in &c.cases {
        let mut scratch = String::new();
        let d = v
            .as_ref()
            .map_or("-".into(), |d| const_init_text(&mut scratch, d, 2));
        let _ = writeln!(out, "  case {} = {}", name.to_string_lossy(), d);
    }
    for m in &c.methods {
        let mut flags = vec![format!("{:?}", m.visibility)];
        if m.is_static {
            flags.push("static".into());
        }
        if m.is_abstract {
            flags.push("abstract".into());
        }
        if m.is_final {
            flags.push("final".into());
        }
        dump_func(out, &m.func, 2, &format!("method {}", flags.join(" ")));
    }
}
