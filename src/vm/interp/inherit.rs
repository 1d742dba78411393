//! Inheritance checks done when a class is linked: method signature compatibility
//! (PHP's `zend_do_perform_implementation_check`, the "Declaration of ... must be
//! compatible with ..." fatal error) and how PHP prints a method declaration in it.

use std::rc::Rc;

use super::super::ast::Visibility;
use super::super::bytecode::{ClassDef, Func, MethodDef, TraitRule};
use super::super::coerce::{SimpleType, TypeMember, TypeSpec};
use super::super::error::{Fault, PhpResult};
use super::super::object::Class;
use super::super::value::PhpStr;
use super::class::{rt, MethodImpl, MethodRt};
use super::Vm;

/// The state of one compatibility check.
struct Cx {
    /// The class being linked (not yet in the class table).
    this: Rc<Class>,
    early: bool,
    /// An exception thrown by an autoloader during the check.
    fault: Option<Fault>,
}

/// The outcome of a compatibility check.
enum Status {
    Ok,
    Error,
    /// A class needed to decide is not declared (its name as written).
    Unresolved(Vec<u8>),
}

impl Status {
    /// Combines two checks: an error wins over an unresolved class.
    fn and(self, other: impl FnOnce() -> Status) -> Status {
        match self {
            Status::Error => Status::Error,
            Status::Ok => other(),
            Status::Unresolved(n) => match other() {
                Status::Error => Status::Error,
                _ => Status::Unresolved(n),
            },
        }
    }
}

/// `Class::method(Type $a, &...$rest = default): Ret` as PHP prints it in messages.
pub(crate) fn declaration_string(func: &Func, scope: &[u8]) -> String {
    let mut s = String::new();
    if func.by_ref_return {
        s.push_str("& ");
    }
    s.push_str(&String::from_utf8_lossy(scope));
    s.push_str("::");
    s.push_str(&func.name.to_string_lossy());
    s.push('(');
    let required = required_args(func);
    for (i, p) in func.params.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        if let Some(t) = &p.ty {
            s.push_str(&t.display());
            s.push(' ');
        }
        if p.by_ref {
            s.push('&');
        }
        if p.variadic {
            s.push_str("...");
        }
        s.push('$');
        s.push_str(&p.name.to_string_lossy());
        if i >= required && !p.variadic {
            s.push_str(" = ");
            s.push_str(p.default_text.as_deref().unwrap_or("<default>"));
        }
    }
    s.push(')');
    if let Some(t) = &func.return_type {
        s.push_str(": ");
        s.push_str(&t.display());
    }
    s
}

/// PHP's `required_num_args`: everything up to the last parameter without a default.
fn required_args(func: &Func) -> usize {
    func.params
        .iter()
        .rposition(|p| !p.optional && !p.variadic)
        .map_or(0, |i| i + 1)
}

impl Vm {
    /// `Ok(false)` when `early` and a class is missing. Fails with PHP's fatal error unless `child` (declared in `child_scope`) may replace
    /// `proto` (declared in `proto_scope`). `this_class` is the class being linked, which
    /// is not yet in the class table.
    pub(crate) fn check_method_compatible(
        &mut self,
        this_class: &Rc<Class>,
        child: &Func,
        child_scope: &[u8],
        proto: &Func,
        proto_scope: &[u8],
        early: bool,
    ) -> PhpResult<bool> {
        let mut cx = Cx {
            this: this_class.clone(),
            early,
            fault: None,
        };
        let status = self.implementation_status(&mut cx, child, proto);
        if let Some(f) = cx.fault {
            return Err(f);
        }
        let child_decl = || declaration_string(child, child_scope);
        let proto_decl = || declaration_string(proto, proto_scope);
        match status {
            Status::Ok => Ok(true),
            Status::Unresolved(_) if early => Ok(false),
            Status::Error => Err(self.fatal_at(
                &format!(
                    "Declaration of {} must be compatible with {}",
                    child_decl(),
                    proto_decl()
                ),
                child,
            )),
            Status::Unresolved(name) => Err(self.fatal_at(
                &format!(
                    "Could not check compatibility between {} and {}, because class {} is not available",
                    child_decl(),
                    proto_decl(),
                    String::from_utf8_lossy(&name)
                ),
                child,
            )),
        }
    }

    /// A fatal error reported at `func`'s declaration (PHP points inheritance errors at
    /// the offending method): printed here, then the script ends as a fatal error does.
    fn fatal_at(&mut self, msg: &str, func: &Func) -> Fault {
        self.print_diagnostic("Fatal error", msg, &func.file, func.line_start);
        Fault::Exit(255)
    }

    fn implementation_status(&mut self, cx: &mut Cx, fe: &Func, proto: &Func) -> Status {
        if required_args(proto) < required_args(fe) {
            return Status::Error;
        }
        if proto.by_ref_return && !fe.by_ref_return {
            return Status::Error;
        }
        let proto_variadic = proto.params.last().is_some_and(|p| p.variadic);
        let fe_variadic = fe.params.last().is_some_and(|p| p.variadic);
        if proto_variadic && !fe_variadic {
            return Status::Error;
        }
        let n = proto.params.len().max(fe.params.len());
        let mut status = Status::Ok;
        for i in 0..n {
            let pick = |f: &Func, variadic: bool| match f.params.get(i) {
                Some(p) => Some(p.clone()),
                None if variadic => f.params.last().cloned(),
                None => None,
            };
            let Some(pa) = pick(proto, proto_variadic) else {
                // A new optional parameter is fine.
                continue;
            };
            let Some(fa) = pick(fe, fe_variadic) else {
                return Status::Error;
            };
            // Parameter types are contravariant.
            let local = match (&fa.ty, &pa.ty) {
                (None, _) => Status::Ok,
                (Some(ft), _) if ft.has(&SimpleType::Mixed) => Status::Ok,
                (Some(_), None) => Status::Error,
                (Some(ft), Some(pt)) => self.type_is_subtype(cx, pt, ft),
            };
            status = status.and(|| local);
            if let Status::Error = status {
                return Status::Error;
            }
            if fa.by_ref != pa.by_ref {
                return Status::Error;
            }
        }
        if let Some(pt) = &proto.return_type {
            let local = match &fe.return_type {
                None => Status::Error,
                Some(ft) => self.type_is_subtype(cx, ft, pt),
            };
            status = status.and(|| local);
        }
        status
    }

    /// Whether every value of type `sub` is accepted by `sup` (covariance).
    fn type_is_subtype(&mut self, cx: &mut Cx, sub: &TypeSpec, sup: &TypeSpec) -> Status {
        if sup.has(&SimpleType::Mixed) {
            return Status::Ok;
        }
        if sub.has(&SimpleType::Mixed) {
            return Status::Error;
        }
        let mut status = Status::Ok;
        for m in &sub.members {
            let local = self.member_is_subtype(cx, m, sup);
            status = status.and(|| local);
            if let Status::Error = status {
                return status;
            }
        }
        status
    }

    fn member_is_subtype(&mut self, cx: &mut Cx, m: &TypeMember, sup: &TypeSpec) -> Status {
        let has = |t: SimpleType| sup.has(&t);
        let ok = |b: bool| if b { Status::Ok } else { Status::Error };
        match m {
            TypeMember::Simple(t) => match t {
                SimpleType::Never => Status::Ok,
                SimpleType::Void => ok(has(SimpleType::Void)),
                SimpleType::Null => ok(has(SimpleType::Null)),
                SimpleType::False => ok(has(SimpleType::False) || has(SimpleType::Bool)),
                SimpleType::True => ok(has(SimpleType::True) || has(SimpleType::Bool)),
                SimpleType::Bool => ok(has(SimpleType::Bool)),
                SimpleType::Int => ok(has(SimpleType::Int)),
                SimpleType::Float => ok(has(SimpleType::Float)),
                SimpleType::String => ok(has(SimpleType::String)),
                SimpleType::Array => ok(has(SimpleType::Array) || has(SimpleType::Iterable)),
                SimpleType::Callable => ok(has(SimpleType::Callable)),
                SimpleType::Object => ok(has(SimpleType::Object)),
                SimpleType::Iterable => ok(has(SimpleType::Iterable)
                    || (has(SimpleType::Array)
                        && (has(SimpleType::Object) || self.sup_has_class(sup, b"traversable")))),
                SimpleType::Static => {
                    if has(SimpleType::Static) || has(SimpleType::Object) {
                        return Status::Ok;
                    }
                    // `static` is a subtype of the class being linked.
                    let own = cx.this.name.as_bytes().to_vec();
                    self.classes_cover(cx, std::slice::from_ref(&own), sup)
                }
                SimpleType::Mixed => ok(has(SimpleType::Mixed)),
                SimpleType::Class(name) => self.classes_cover(cx, std::slice::from_ref(name), sup),
            },
            TypeMember::Intersection(names) => self.classes_cover(cx, names, sup),
        }
    }

    fn sup_has_class(&self, sup: &TypeSpec, lc: &[u8]) -> bool {
        sup.members.iter().any(
            |m| matches!(m, TypeMember::Simple(SimpleType::Class(n)) if n.eq_ignore_ascii_case(lc)),
        )
    }

    /// Whether an object that is an instance of every class in `names` is accepted by
    /// `sup`.
    fn classes_cover(&mut self, cx: &mut Cx, names: &[Vec<u8>], sup: &TypeSpec) -> Status {
        if sup.has(&SimpleType::Object) {
            return Status::Ok;
        }
        let mut unresolved: Option<Vec<u8>> = None;
        for sm in &sup.members {
            let targets: &[Vec<u8>] = match sm {
                TypeMember::Simple(SimpleType::Class(n)) => std::slice::from_ref(n),
                TypeMember::Intersection(ns) => ns,
                TypeMember::Simple(SimpleType::Iterable) => {
                    match self.names_subtype_of(cx, names, b"Traversable") {
                        Status::Ok => return Status::Ok,
                        Status::Unresolved(n) => {
                            unresolved.get_or_insert(n);
                        }
                        Status::Error => {}
                    }
                    continue;
                }
                TypeMember::Simple(SimpleType::Callable) => {
                    if let Status::Ok = self.names_subtype_of(cx, names, b"Closure") {
                        return Status::Ok;
                    }
                    continue;
                }
                TypeMember::Simple(SimpleType::Static) => {
                    continue;
                }
                _ => continue,
            };
            let mut all = Status::Ok;
            for t in targets {
                let local = self.names_subtype_of(cx, names, t);
                all = all.and(|| local);
                if let Status::Error = all {
                    break;
                }
            }
            match all {
                Status::Ok => return Status::Ok,
                Status::Unresolved(n) => {
                    unresolved.get_or_insert(n);
                }
                Status::Error => {}
            }
        }
        match unresolved {
            Some(n) => Status::Unresolved(n),
            None => Status::Error,
        }
    }

    /// Whether some class in `names` is `target` or a subtype of it.
    fn names_subtype_of(&mut self, cx: &mut Cx, names: &[Vec<u8>], target: &[u8]) -> Status {
        if names.iter().any(|n| n.eq_ignore_ascii_case(target)) {
            return Status::Ok;
        }
        // A trait's name stands for the using class (`self` in a trait method).
        let own;
        let target = match self.find_class(target) {
            Some(c) if c.is_trait => {
                own = cx.this.name.as_bytes().to_vec();
                own.as_slice()
            }
            _ => target,
        };
        let mut unresolved = None;
        for n in names {
            match self.linked_class(cx, n) {
                Some(c) => {
                    if c.is_subclass_of_ci(target) {
                        return Status::Ok;
                    }
                }
                None => {
                    unresolved.get_or_insert_with(|| n.clone());
                }
            }
        }
        match unresolved {
            Some(n) => Status::Unresolved(n),
            None => Status::Error,
        }
    }

    /// A class by name for a compatibility check: the class being linked (also for a
    /// trait's name: `self` in a trait method is the using class), or a declared one
    /// (autoloaded unless linking early; an exception while loading is kept in `cx`).
    fn linked_class(&mut self, cx: &mut Cx, name: &[u8]) -> Option<Rc<Class>> {
        if cx.this.lc_name.eq_ignore_ascii_case(name) {
            return Some(cx.this.clone());
        }
        let found = if cx.early {
            self.find_class(name)
        } else {
            match self.find_class_autoload(name) {
                Ok(c) => c,
                Err(f) => {
                    cx.fault.get_or_insert(f);
                    None
                }
            }
        };
        match found {
            Some(c) if c.is_trait => Some(cx.this.clone()),
            other => other,
        }
    }
}

impl Vm {
    /// Checks every method of the newly linked `class` against the parent's method and
    /// the interface methods it implements, and abstract trait methods against their
    /// implementations (PHP's order: parent, then traits, then interfaces).
    /// With `early` (linking before the file runs), a check that needs a class not
    /// declared yet returns `Ok(false)` instead of failing, and nothing is autoloaded.
    pub(crate) fn check_signatures(
        &mut self,
        class: &Rc<Class>,
        traits: &[Rc<Class>],
        early: bool,
    ) -> PhpResult<bool> {
        let scope_name = |m: &MethodRt| -> Vec<u8> {
            m.scope
                .upgrade()
                .map(|c| c.name.as_bytes().to_vec())
                .unwrap_or_default()
        };
        let mut own: Vec<(PhpStr, Rc<MethodRt>)> = rt(class)
            .method_order
            .iter()
            .filter_map(|lc| rt(class).methods.get(lc).map(|m| (lc.clone(), m.clone())))
            .collect();
        own.retain(|(_, m)| m.scope.upgrade().is_some_and(|s| Rc::ptr_eq(&s, class)));
        if let Some(parent) = class.parent.clone() {
            for (lc, m) in &own {
                let MethodImpl::User(f) = &m.imp else {
                    continue;
                };
                let Some(pm) = rt(&parent).methods.get(lc).cloned() else {
                    continue;
                };
                let MethodImpl::User(pf) = &pm.imp else {
                    continue;
                };
                let pscope = pm.scope.upgrade();
                let p_is_interface = pscope.as_ref().is_some_and(|c| c.is_interface);
                if pm.visibility == Visibility::Private && !pm.is_abstract {
                    continue;
                }
                if lc.as_bytes() == b"__construct" && !pm.is_abstract && !p_is_interface {
                    continue;
                }
                if Rc::ptr_eq(f, pf) {
                    continue;
                }
                if !self.check_method_compatible(
                    class,
                    f,
                    &scope_name(m),
                    pf,
                    &scope_name(&pm),
                    early,
                )? {
                    return Ok(false);
                }
            }
        }
        for t in traits {
            let Some(tdef) = rt(t).def.clone() else {
                continue;
            };
            for am in tdef.methods.iter().filter(|m| m.is_abstract) {
                let lc = PhpStr::from(am.func.name.to_ascii_lowercase());
                let Some(m) = rt(class).methods.get(&lc).cloned() else {
                    continue;
                };
                let MethodImpl::User(f) = &m.imp else {
                    continue;
                };
                if Rc::ptr_eq(f, &am.func) {
                    continue;
                }
                if !self.check_method_compatible(
                    class,
                    f,
                    &scope_name(&m),
                    &am.func,
                    t.name.as_bytes(),
                    early,
                )? {
                    return Ok(false);
                }
            }
        }
        for iface in class.interfaces.clone() {
            let Some(ic) = self.classes.get(&iface).cloned() else {
                continue;
            };
            for lc in rt(&ic).method_order.clone() {
                let Some(im) = rt(&ic).methods.get(&lc).cloned() else {
                    continue;
                };
                let MethodImpl::User(imf) = &im.imp else {
                    continue;
                };
                let Some(m) = rt(class).methods.get(&lc).cloned() else {
                    continue;
                };
                let MethodImpl::User(f) = &m.imp else {
                    continue;
                };
                if Rc::ptr_eq(f, imf) {
                    continue;
                }
                if !self.check_method_compatible(
                    class,
                    f,
                    &scope_name(&m),
                    imf,
                    &scope_name(&im),
                    early,
                )? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}

/// One method a trait contributes to a class after its `insteadof`/`as` rules.
pub(crate) struct TraitMethod {
    /// The name in the class (the alias, or the method's own name).
    pub name: PhpStr,
    /// The trait's method with the visibility the rules give it.
    pub def: MethodDef,
}

/// PHP's trait method binding (`zend_do_traits_method_binding`): aliases, exclusions by
/// `insteadof`, visibility changes, and the fatal error when two traits bring the same
/// method without a rule. Methods the class declares itself win and are left out.
pub(crate) fn bind_trait_methods(
    def: &ClassDef,
    traits: &[Rc<Class>],
    cname: &str,
) -> PhpResult<Vec<TraitMethod>> {
    let own: Vec<Vec<u8>> = def
        .methods
        .iter()
        .map(|m| m.func.name.to_ascii_lowercase())
        .collect();
    let mut out: Vec<TraitMethod> = Vec::new();
    // Per entry of `out`: the trait it came from and the method's own name.
    let mut origin: Vec<(PhpStr, PhpStr)> = Vec::new();
    for t in traits {
        let Some(tdef) = rt(t).def.clone() else {
            continue;
        };
        for m in &tdef.methods {
            let applies = |trait_: &Option<PhpStr>, method: &PhpStr| {
                method.eq_ignore_ascii_case(&m.func.name)
                    && trait_.as_ref().is_none_or(|tn| *tn == t.lc_name)
            };
            let mut names: Vec<(PhpStr, Option<Visibility>)> = Vec::new();
            for r in &def.trait_rules {
                if let TraitRule::Alias {
                    trait_,
                    method,
                    visibility,
                    alias: Some(a),
                } = r
                {
                    if applies(trait_, method) {
                        names.push((a.clone(), *visibility));
                    }
                }
            }
            let excluded = def.trait_rules.iter().any(|r| {
                matches!(r, TraitRule::Insteadof { method, instead_of, .. }
                    if method.eq_ignore_ascii_case(&m.func.name) && instead_of.contains(&t.lc_name))
            });
            if !excluded {
                let vis = def.trait_rules.iter().find_map(|r| match r {
                    TraitRule::Alias {
                        trait_,
                        method,
                        visibility: Some(v),
                        alias: None,
                    } if applies(trait_, method) => Some(*v),
                    _ => None,
                });
                names.push((m.func.name.clone(), vis));
            }
            for (name, vis) in names {
                let lc = name.to_ascii_lowercase();
                if own.contains(&lc) {
                    continue;
                }
                if let Some(i) = out.iter().position(|o| o.name.eq_ignore_ascii_case(&lc)) {
                    if Rc::ptr_eq(&out[i].def.func, &m.func) || m.is_abstract {
                        continue;
                    }
                    if !out[i].def.is_abstract {
                        let (et, ename) = &origin[i];
                        return Err(Fault::fatal(format!(
                            "Trait method {}::{} has not been applied as {}::{}, because of collision with {}::{}",
                            t.display_name(),
                            m.func.name.to_string_lossy(),
                            cname,
                            name.to_string_lossy(),
                            et.to_string_lossy(),
                            ename.to_string_lossy()
                        )));
                    }
                    out.remove(i);
                    origin.remove(i);
                }
                let mut md = m.clone();
                if let Some(v) = vis {
                    md.visibility = v;
                }
                if let Some(f) = self_types_for_user(&md.func, &t.name, cname.as_bytes()) {
                    md.func = Rc::new(f);
                }
                out.push(TraitMethod { name, def: md });
                origin.push((t.name.clone(), m.func.name.clone()));
            }
        }
    }
    Ok(out)
}

/// A trait method's copy for the class using it when its signature names `self`: the
/// compiler resolved `self` to the trait, but in the using class it means that class
/// (`trait T { function f(): self }` used by `C` returns a `C`). `None` when nothing
/// names the trait.
fn self_types_for_user(func: &Rc<Func>, trait_name: &[u8], user: &[u8]) -> Option<Func> {
    let names_trait = |ty: &Option<TypeSpec>| {
        ty.as_ref().is_some_and(|t| {
            t.members.iter().any(|m| {
                matches!(m, TypeMember::Simple(SimpleType::Class(c)) if c.eq_ignore_ascii_case(trait_name))
            })
        })
    };
    if !names_trait(&func.return_type) && !func.params.iter().any(|p| names_trait(&p.ty)) {
        return None;
    }
    let retarget = |ty: &mut Option<TypeSpec>| {
        if let Some(t) = ty {
            for m in &mut t.members {
                if let TypeMember::Simple(SimpleType::Class(c)) = m {
                    if c.eq_ignore_ascii_case(trait_name) {
                        *c = user.to_vec();
                    }
                }
            }
        }
    };
    let mut f = (**func).clone();
    retarget(&mut f.return_type);
    for p in &mut f.params {
        retarget(&mut p.ty);
    }
    Some(f)
}
