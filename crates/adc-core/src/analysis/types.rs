//! Type analysis: what kind of scalars a pointer's memory holds.
//!
//! With opaque pointers, a `memcpy` does not say whether it copies doubles,
//! floats or integers, yet reverse mode must add the copied adjoints back as
//! floats of the right width. adc looks at every load and store made through
//! pointers derived from the same object (argument, stack slot, heap
//! allocation, global) in the function, and in the functions it passes the
//! pointer to, and takes their scalar type. When the
//! uses disagree or there are none, it says so instead of guessing.

use crate::ir::{Function, Type, Value};
use indexmap::IndexMap;
use llvm_sys::LLVMOpcode;

/// The object a pointer is derived from through GEPs and casts.
pub fn root_object(mut p: Value) -> Value {
    for _ in 0..64 {
        match p.opcode() {
            Some(LLVMOpcode::LLVMGetElementPtr)
            | Some(LLVMOpcode::LLVMBitCast)
            | Some(LLVMOpcode::LLVMAddrSpaceCast) => p = p.operand(0),
            _ => return p,
        }
    }
    p
}

/// The objects a pointer may come from: its root objects, seen through
/// phis and selects as well (a buffer grown by realloc in a loop is a phi of
/// the first allocation and the reallocations).
pub fn pointer_sources(p: Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen = indexmap::IndexSet::new();
    let mut work = vec![p];
    while let Some(v) = work.pop() {
        let r = root_object(v);
        if !seen.insert(r) {
            continue;
        }
        match r.opcode() {
            Some(LLVMOpcode::LLVMPHI) => {
                work.extend((0..r.count_incoming()).map(|i| r.incoming(i).0))
            }
            Some(LLVMOpcode::LLVMSelect) => work.extend([r.operand(1), r.operand(2)]),
            _ => out.push(r),
        }
    }
    out
}

/// A place in memory: its root object and constant byte offset, when the
/// address is the root plus constant byte offsets (clang's `i8` GEPs).
fn place(p: Value) -> (Value, Option<u64>) {
    let mut off = 0u64;
    let mut q = p;
    for _ in 0..16 {
        match q.opcode() {
            Some(LLVMOpcode::LLVMGetElementPtr) => {
                let bytes = q.gep_source_type() == crate::ir::Type::i8(q.ty().context());
                let k = (q.num_operands() == 2)
                    .then(|| q.operand(1).const_u64())
                    .flatten();
                match (bytes, k) {
                    (true, Some(k)) => off += k,
                    _ => return (p, Some(0)),
                }
                q = q.operand(0);
            }
            _ => return (q, Some(off)),
        }
    }
    (p, None)
}

/// The pointers stored at or loaded from the place `addr` denotes.
fn pointers_at(addr: Value) -> Vec<Value> {
    let (root, off) = place(addr);
    let Some(off) = off else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut work = vec![root];
    let mut seen = indexmap::IndexSet::new();
    while let Some(a) = work.pop() {
        if !seen.insert(a) || seen.len() > 256 {
            continue;
        }
        for u in a.users() {
            match u.opcode() {
                Some(LLVMOpcode::LLVMGetElementPtr) => work.push(u),
                Some(LLVMOpcode::LLVMLoad)
                    if u.ty().is_pointer() && place(a) == (root, Some(off)) =>
                {
                    out.push(u)
                }
                Some(LLVMOpcode::LLVMStore)
                    if u.operand(1) == a
                        && u.operand(0).ty().is_pointer()
                        && place(a) == (root, Some(off)) =>
                {
                    out.push(root_object(u.operand(0)))
                }
                _ => {}
            }
        }
    }
    out
}

/// The root objects that memcpy/memmove copy `o`'s memory to or from.
fn copy_partners(o: Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut work = vec![o];
    let mut seen = indexmap::IndexSet::new();
    while let Some(p) = work.pop() {
        if !seen.insert(p) || seen.len() > 64 {
            continue;
        }
        for u in p.users() {
            match u.opcode() {
                Some(LLVMOpcode::LLVMGetElementPtr) | Some(LLVMOpcode::LLVMBitCast) => work.push(u),
                Some(LLVMOpcode::LLVMCall) => {
                    let copies = u.called_function().is_some_and(|f| {
                        let n = f.name();
                        n.starts_with("llvm.memcpy") || n.starts_with("llvm.memmove")
                    });
                    if copies {
                        let other = if u.operand(0) == p {
                            u.operand(1)
                        } else {
                            u.operand(0)
                        };
                        out.push(root_object(other));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Scalar types seen in memory, per root object, and per place (root and
/// constant byte offset) where the address says exactly where; and, per
/// place that holds a pointer (a struct's buffer field), the types seen in
/// the memory that pointer points to, here or in the callees the struct is
/// passed to (a C++ object whose methods read its buffer).
pub struct TypeAnalysis {
    f: Function,
    seen: IndexMap<Value, Vec<Type>>,
    at: IndexMap<(Value, u64), Vec<Type>>,
    pointee: IndexMap<(Value, u64), Vec<Type>>,
    /// (object, place): the object's memory is of the kind the pointer at
    /// the place points to, because a callee copied the one into the
    /// memory it keeps there (a constructor copying its argument into a
    /// buffer it allocates for the object).
    kin: Vec<(Value, (Value, u64))>,
    /// The same, as a summary for callers: (parameter k, parameter j,
    /// offset): what parameter k points to is the kind of memory the
    /// pointer at offset `offset` of what parameter j points to points to.
    links: Vec<(usize, usize, u64)>,
}

/// The float type a user says undecided memory holds (`--type-hint`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryHint {
    Double,
    Float,
}

/// `--type-hint T` or `T@PLACE`: what memory the type analysis cannot
/// decide holds, at one place (a function by its LLVM name, or a source
/// line, as adc's refusal names them) or, without a place, everywhere. It
/// only ever answers where the analysis found nothing: it never overrides
/// what the code says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeHint {
    pub float: MemoryHint,
    pub place: Option<HintPlace>,
}

/// Where a [`TypeHint`] applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HintPlace {
    Function(String),
    Line { file: String, line: u32 },
}

impl TypeHint {
    /// `double`, `float`, `double@FUNCTION`, `double@FILE:LINE`.
    pub fn parse(s: &str) -> Result<TypeHint, String> {
        let (ty, place) = match s.split_once('@') {
            Some((t, p)) => (t, Some(p)),
            None => (s, None),
        };
        let float = match ty {
            "double" => MemoryHint::Double,
            "float" => MemoryHint::Float,
            _ => return Err(format!("`{ty}`: a type hint is `double` or `float`")),
        };
        let place = place.map(|p| match p.rsplit_once(':') {
            Some((file, line)) if !file.is_empty() && line.parse::<u32>().is_ok() => {
                HintPlace::Line {
                    file: file.to_string(),
                    line: line.parse().unwrap_or(0),
                }
            }
            _ => HintPlace::Function(p.to_string()),
        });
        if place
            .as_ref()
            .is_some_and(|p| matches!(p, HintPlace::Function(f) if f.is_empty()))
        {
            return Err(format!("`{s}`: name a function or FILE:LINE after `@`"));
        }
        Ok(TypeHint { float, place })
    }

    /// The hinted float type if the hint applies to instruction `inst`.
    pub fn float_at(&self, inst: Value) -> Option<Type> {
        let applies = match &self.place {
            None => true,
            Some(HintPlace::Function(f)) => {
                let name = inst.parent_function().name();
                // (adc differentiates private copies of some functions.)
                name == *f || name.strip_suffix(crate::ir::source_copy::SUFFIX) == Some(f.as_str())
            }
            Some(HintPlace::Line { file, line }) => crate::ir::debug_loc::SourceLoc::of(inst)
                .is_some_and(|l| l.line == *line && l.file.ends_with(file.as_str())),
        };
        let ctx = inst.ty().context();
        applies.then(|| unsafe {
            Type(match self.float {
                MemoryHint::Double => llvm_sys::core::LLVMDoubleTypeInContext(ctx),
                MemoryHint::Float => llvm_sys::core::LLVMFloatTypeInContext(ctx),
            })
        })
    }
}

impl TypeHint {
    /// A hint for one source line that contradicts what the analysis
    /// decided there (`decided` is not [`MemoryType::Unknown`]): the error,
    /// with both. A hint for a whole function or the whole module does not
    /// contradict: it only fills the places the analysis leaves open.
    pub fn contradiction(&self, inst: Value, decided: &MemoryType, what: &str) -> Option<String> {
        if !matches!(self.place, Some(HintPlace::Line { .. })) {
            return None;
        }
        let hinted = self.float_at(inst)?;
        if matches!(decided, MemoryType::Unknown(_))
            || matches!(decided, MemoryType::Float(t) if *t == hinted)
        {
            return None;
        }
        let hint = match self.float {
            MemoryHint::Double => "double",
            MemoryHint::Float => "float",
        };
        Some(format!(
            "the type hint says {what} moves {hint}s, but the type analysis found that it moves {}; \
             a hint only answers where the analysis finds nothing and never overrides it: drop \
             the hint, or check that it names the place adc asked about",
            decided.describe()
        ))
    }
}

impl MemoryType {
    /// In words, for messages.
    pub fn describe(&self) -> String {
        let fields = |f: &[(u64, Type)]| {
            f.iter()
                .map(|(o, t)| format!("{} at byte {o}", t.print()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            MemoryType::Float(t) => format!("{}s only", t.print()),
            MemoryType::NoFloats => "no floats (only integers or pointers)".into(),
            MemoryType::Fields(f) => format!("a struct with floats {}", fields(f)),
            MemoryType::Strided {
                stride, fields: f, ..
            } => {
                format!(
                    "an array of {stride}-byte structs with floats {}",
                    fields(f)
                )
            }
            MemoryType::Unknown(why) => format!("something undecided ({why})"),
        }
    }
}

/// What a pointer's memory holds.
#[derive(Clone, Debug, PartialEq)]
pub enum MemoryType {
    /// Floats of this type (float or double).
    Float(Type),
    /// Only integers or pointers: carries no derivative.
    NoFloats,
    /// A struct of floats and other fields (`!tbaa.struct` of a copy):
    /// the byte offset and type of each float field.
    Fields(Vec<(u64, Type)>),
    /// An array of such structs, `stride` bytes apart (from the layout of
    /// the pointee's type, [`super::tbaa::Layouts`]).
    /// (Its pointer fields' offsets too: their shadows move with them.)
    Strided {
        stride: u64,
        fields: Vec<(u64, Type)>,
        pointers: Vec<u64>,
    },
    /// Cannot be decided; the reason, for the user.
    Unknown(String),
}

fn add_type(list: &mut Vec<Type>, t: Type) {
    if !list.contains(&t) {
        list.push(t);
    }
}

impl TypeAnalysis {
    pub fn compute(f: Function) -> Self {
        Self::compute_depth(f, 4)
    }

    /// Loads and stores of `f`, and of the functions it passes pointers to
    /// (down to `depth` calls), attributed to the root objects of `f` (and
    /// to places within them, where offsets are constant).
    fn compute_depth(f: Function, depth: u32) -> Self {
        let mut seen: IndexMap<Value, Vec<Type>> = IndexMap::new();
        let mut at: IndexMap<(Value, u64), Vec<Type>> = IndexMap::new();
        let mut pointee: IndexMap<(Value, u64), Vec<Type>> = IndexMap::new();
        let mut kin: Vec<(Value, (Value, u64))> = Vec::new();
        // (An integer constant stored at a place says nothing of it: clang
        // stores a double constant, `x = {1.0}`, as its i64 bit pattern.)
        let access = |ptr: Value,
                      t: Type,
                      constant_int: bool,
                      seen: &mut IndexMap<Value, Vec<Type>>,
                      at: &mut IndexMap<(Value, u64), Vec<Type>>| {
            for r in pointer_sources(ptr) {
                add_type(seen.entry(r).or_default(), t);
            }
            if let (root, Some(off)) = place(ptr) {
                if !constant_int {
                    add_type(at.entry((root, off)).or_default(), t);
                }
            }
        };
        for bb in f.blocks() {
            for i in bb.instructions() {
                // Attributed to every object the address may come from
                // (through phis: a loop walking a buffer with a pointer).
                // An integer only moved from memory to memory says nothing
                // about what the bytes are (generic code moves f64 as i64).
                let moved = crate::ir::float_webs::in_web;
                match i.opcode() {
                    Some(LLVMOpcode::LLVMLoad) if moved(i) => {}
                    Some(LLVMOpcode::LLVMStore) if moved(i.operand(0)) => {}
                    Some(LLVMOpcode::LLVMLoad) => {
                        access(i.operand(0), i.ty().scalar(), false, &mut seen, &mut at)
                    }
                    Some(LLVMOpcode::LLVMStore) => {
                        let v = i.operand(0);
                        let constant_int = v.ty().is_integer() && v.const_u64().is_some();
                        access(
                            i.operand(1),
                            v.ty().scalar(),
                            constant_int,
                            &mut seen,
                            &mut at,
                        )
                    }
                    Some(LLVMOpcode::LLVMCall) if depth > 0 => {
                        let Some(callee) = i.called_function().filter(|c| !c.is_declaration())
                        else {
                            continue;
                        };
                        let inner = Self::compute_depth(callee, depth - 1);
                        let args = i.call_args();
                        for (k, j, off) in &inner.links {
                            let (Some(ak), Some(aj)) = (args.get(*k), args.get(*j)) else {
                                continue;
                            };
                            if let (root, Some(base)) = place(*aj) {
                                for r in pointer_sources(*ak) {
                                    kin.push((r, (root, base + off)));
                                }
                            }
                        }
                        for (a, p) in i.call_args().into_iter().zip(callee.params()) {
                            if !a.ty().is_pointer() {
                                continue;
                            }
                            for t in inner.seen.get(&p).into_iter().flatten() {
                                for r in pointer_sources(a) {
                                    add_type(seen.entry(r).or_default(), *t);
                                }
                            }
                            // The callee's places in its parameter, and what
                            // the pointers there point to, moved to where the
                            // argument points.
                            if let (root, Some(base)) = place(a) {
                                for ((q, off), ts) in &inner.at {
                                    if *q == p {
                                        for t in ts {
                                            add_type(at.entry((root, base + off)).or_default(), *t);
                                        }
                                    }
                                }
                                for ((q, off), ts) in &inner.pointee {
                                    if *q == p {
                                        for t in ts {
                                            add_type(
                                                pointee.entry((root, base + off)).or_default(),
                                                *t,
                                            );
                                        }
                                    }
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut ta = TypeAnalysis {
            f,
            seen,
            at,
            pointee,
            kin,
            links: Vec::new(),
        };
        // Pointers loaded from or stored to a place: what their memory is
        // accessed as here, directly or through the places it is kept in
        // in turn (a buffer copied into another that a field keeps). The
        // callees' part came in above.
        let kept: Vec<(Value, Value, u64)> = f
            .blocks()
            .into_iter()
            .flat_map(|b| b.instructions())
            .filter_map(|i| {
                let (ptr, addr) = match i.opcode() {
                    Some(LLVMOpcode::LLVMLoad) if i.ty().is_pointer() => (i, i.operand(0)),
                    Some(LLVMOpcode::LLVMStore) if i.operand(0).ty().is_pointer() => {
                        (root_object(i.operand(0)), i.operand(1))
                    }
                    _ => return None,
                };
                match place(addr) {
                    (root, Some(off)) => Some((ptr, root, off)),
                    _ => None,
                }
            })
            .collect();
        for _round in 0..2 {
            for (ptr, root, off) in &kept {
                let mut tys = Vec::new();
                for o in Self::objects(&[*ptr]) {
                    for t in ta.seen.get(&o).into_iter().flatten() {
                        add_type(&mut tys, *t);
                    }
                    for t in ta.pointee_types(o) {
                        add_type(&mut tys, t);
                    }
                }
                for t in tys {
                    add_type(ta.pointee.entry((*root, *off)).or_default(), t);
                }
            }
        }
        // The summary for callers: which parameter's memory is kept, or
        // copied into memory kept, at a place in another's.
        let params = f.params();
        for (k, p) in params.iter().enumerate() {
            if !p.ty().is_pointer() {
                continue;
            }
            for o in Self::objects(&[*p]) {
                let mut places = Self::kept_places(o);
                places.extend(ta.kin.iter().filter(|(r, _)| *r == o).map(|(_, pl)| *pl));
                for (root, off) in places {
                    if let Some(j) = params.iter().position(|q| *q == root) {
                        if !ta.links.contains(&(k, j, off)) {
                            ta.links.push((k, j, off));
                        }
                    }
                }
            }
        }
        ta
    }

    /// The places (root and constant offset) `o` is stored to, or, for a
    /// loaded pointer, loaded from.
    fn kept_places(o: Value) -> Vec<(Value, u64)> {
        let mut places = Vec::new();
        if o.opcode() == Some(LLVMOpcode::LLVMLoad) && o.ty().is_pointer() {
            places.push(place(o.operand(0)));
        }
        for u in o.users() {
            if u.opcode() == Some(LLVMOpcode::LLVMStore) && u.operand(0) == o {
                places.push(place(u.operand(1)));
            }
        }
        places
            .into_iter()
            .filter_map(|(r, off)| off.map(|off| (r, off)))
            .collect()
    }

    /// What `f`'s callers say of memory `f` only moves: for an object that
    /// is a parameter, or a pointer kept at a place in one, the types the
    /// callers' code (and their other callees) access the memory passed
    /// there as. Only where every caller is in the module: `f` is not
    /// visible outside it except as an ODR definition (a C++ inline or
    /// template function, the same code in every unit).
    fn types_from_callers(&self, objects: &[Value]) -> Vec<Type> {
        use llvm_sys::LLVMLinkage::*;
        let f = crate::ir::get_function(
            self.f.module(),
            crate::ir::source_copy::source_name(&self.f.name()),
        )
        .unwrap_or(self.f);
        let linkage = unsafe { llvm_sys::core::LLVMGetLinkage(f.raw()) };
        if !matches!(
            linkage,
            LLVMInternalLinkage
                | LLVMPrivateLinkage
                | LLVMLinkOnceODRLinkage
                | LLVMWeakODRLinkage
                | LLVMAvailableExternallyLinkage
        ) {
            return Vec::new();
        }
        let params = self.f.params();
        // (parameter index, offset of the pointer field within it, if any)
        let mut asks: Vec<(usize, Option<u64>)> = Vec::new();
        for o in objects {
            if let Some(k) = params.iter().position(|p| p == o) {
                asks.push((k, None));
            }
            let mut addrs = Vec::new();
            if o.opcode() == Some(LLVMOpcode::LLVMLoad) && o.ty().is_pointer() {
                addrs.push(o.operand(0));
            }
            addrs.extend(
                o.users()
                    .into_iter()
                    .filter(|u| u.opcode() == Some(LLVMOpcode::LLVMStore) && u.operand(0) == *o)
                    .map(|u| u.operand(1)),
            );
            for a in addrs {
                if let (root, Some(off)) = place(a) {
                    if let Some(k) = params.iter().position(|p| *p == root) {
                        asks.push((k, Some(off)));
                    }
                }
            }
        }
        let mut out = Vec::new();
        if asks.is_empty() {
            return out;
        }
        // Every use must be a call seen here: a caller left out (or the
        // address taken) could pass memory of another kind.
        let users = f.0.users();
        if users.len() > 8
            || users
                .iter()
                .any(|c| !c.is_instruction() || c.called_function() != Some(f))
        {
            return out;
        }
        for c in users {
            let caller = c.parent_function();
            let ta = Self::compute_depth(caller, 4);
            for (k, off) in &asks {
                let arg = c.operand(*k as u32);
                let tys = match off {
                    None => Self::objects(&[arg])
                        .iter()
                        .flat_map(|o| {
                            let mut v: Vec<Type> =
                                ta.seen.get(o).into_iter().flatten().copied().collect();
                            v.extend(ta.pointee_types(*o));
                            v
                        })
                        .collect::<Vec<_>>(),
                    Some(off) => match place(arg) {
                        (root, Some(base)) => ta
                            .pointee
                            .get(&(root, base + off))
                            .into_iter()
                            .flatten()
                            .copied()
                            .collect(),
                        _ => Vec::new(),
                    },
                };
                for t in tys {
                    add_type(&mut out, t);
                }
            }
        }
        out
    }

    /// What the pointers at the places `o` is stored to or loaded from
    /// point to, as the callees that read them through those places see it.
    fn pointee_types(&self, o: Value) -> Vec<Type> {
        let mut places = Self::kept_places(o);
        places.extend(self.kin.iter().filter(|(r, _)| *r == o).map(|(_, pl)| *pl));
        let mut out = Vec::new();
        for pl in places {
            for t in self.pointee.get(&pl).into_iter().flatten() {
                add_type(&mut out, *t);
            }
        }
        out
    }

    /// What the places `ptrs` point at hold, when each address is a root
    /// plus a constant offset and the accesses at exactly those places
    /// agree (a double field of a struct that also holds integers).
    fn place_type(&self, ptrs: &[Value]) -> Option<Type> {
        let mut tys: Vec<Type> = Vec::new();
        for p in ptrs {
            let (root, Some(off)) = place(*p) else {
                return None;
            };
            for t in self.at.get(&(root, off)).into_iter().flatten() {
                add_type(&mut tys, *t);
            }
        }
        match tys.as_slice() {
            [t] if t.is_float_scalar() => Some(*t),
            _ => None,
        }
    }

    /// What the words that loads and stores at `ptrs` move hold (one scalar
    /// each): floats when the accesses at exactly those places say so (a
    /// double field of an object that also holds integers and pointers,
    /// moved as an i64 by generic C++ code), else [`memory_type`](Self::memory_type).
    /// Only floats are read from places: a place with no float access may
    /// still be reached by an address that is not constant.
    pub fn word_type(&self, ptrs: &[Value]) -> MemoryType {
        match self.place_type(ptrs) {
            Some(t) => MemoryType::Float(t),
            None => self.memory_type(ptrs),
        }
    }

    /// What the memory behind `ptr` holds, from the loads and stores of its
    /// object (and of `other`'s, e.g. the other side of a copy).
    pub fn memory_type(&self, ptrs: &[Value]) -> MemoryType {
        let objects = Self::objects(ptrs);
        let mut tys: Vec<Type> = Vec::new();
        for p in &objects {
            for t in self.seen.get(p).into_iter().flatten() {
                add_type(&mut tys, *t);
            }
            for t in self.pointee_types(*p) {
                add_type(&mut tys, t);
            }
        }
        if tys.is_empty() {
            tys = self.types_from_callers(&objects);
        }
        let floats: Vec<Type> = tys
            .iter()
            .copied()
            .filter(|t| t.is_float_scalar())
            .collect();
        match floats.as_slice() {
            [] if tys.is_empty() => MemoryType::Unknown(
                "no load or store in this function reveals what this memory holds".into(),
            ),
            [] => MemoryType::NoFloats,
            [t] if floats.len() == tys.len() => MemoryType::Float(*t),
            _ => MemoryType::Unknown(format!(
                "this memory is accessed as {}: adc cannot tell which bytes hold floats",
                tys.iter().map(|t| t.print()).collect::<Vec<_>>().join(", ")
            )),
        }
    }

    /// The objects `ptrs` may point into, under all their names.
    fn objects(ptrs: &[Value]) -> Vec<Value> {
        // The same memory under other names: pointers merged by phis and
        // selects (a buffer grown by realloc in a loop).
        let mut objects: Vec<Value> = Vec::new();
        let mut work: Vec<Value> = ptrs.iter().map(|p| root_object(*p)).collect();
        while let Some(o) = work.pop() {
            if objects.contains(&o) {
                continue;
            }
            objects.push(o);
            if !o.is_instruction() && !o.is_argument() {
                // A constant (Rust's dangling pointer of an empty Vec) has
                // users all over the module: not the same memory.
                continue;
            }
            for u in o.users() {
                if matches!(
                    u.opcode(),
                    Some(LLVMOpcode::LLVMPHI) | Some(LLVMOpcode::LLVMSelect)
                ) {
                    work.push(u);
                }
            }
            // Memory copied to or from this object holds the same kind of
            // data (a vector's buffer copied from the caller's array, then
            // into the buffer it grows into, which the loop reads).
            work.extend(copy_partners(o));
            // A pointer stored into a place: what is read back there.
            for u in o.users() {
                if u.opcode() == Some(LLVMOpcode::LLVMStore) && u.operand(0) == o {
                    work.extend(pointers_at(u.operand(1)));
                }
            }
            match o.opcode() {
                // A pointer read from a place (a struct field): every
                // pointer stored there or read from there names memory of
                // the same kind (a field has one type; if the uses
                // disagree, adc says so).
                Some(LLVMOpcode::LLVMLoad) if o.ty().is_pointer() => {
                    work.extend(pointers_at(o.operand(0)));
                }
                Some(LLVMOpcode::LLVMPHI) => {
                    work.extend((0..o.count_incoming()).map(|i| root_object(o.incoming(i).0)))
                }
                Some(LLVMOpcode::LLVMSelect) => {
                    work.extend([o.operand(1), o.operand(2)].map(root_object))
                }
                _ => {}
            }
        }
        objects
    }
}

/// The offsets of the pointer fields a struct copy moves, by its
/// `!tbaa.struct` (clang names pointer accesses "any pointer" or "pN T");
/// `None` without that metadata.
pub fn tbaa_struct_pointer_offsets(copy: Value) -> Option<Vec<u64>> {
    let fields = super::tbaa::struct_copy_fields(copy)?;
    Some(
        fields
            .into_iter()
            .filter(|(_, name)| super::tbaa::is_pointer_name(name))
            .map(|(o, _)| o)
            .collect(),
    )
}

/// What a memory copy moves, by its `!tbaa.struct` (clang's description of
/// a struct copy: offset, size and type of each field): floats of one type,
/// no floats, or the float fields of a mixed struct; `None` without it.
pub fn tbaa_struct_type(copy: Value) -> Option<MemoryType> {
    let fields = super::tbaa::struct_copy_fields(copy)?;
    if fields.is_empty() {
        return None;
    }
    let ctx = unsafe { llvm_sys::core::LLVMGetTypeContext(llvm_sys::core::LLVMTypeOf(copy.0)) };
    Some(super::tbaa::classify(&fields, ctx).unwrap_or_else(MemoryType::Fields))
}
