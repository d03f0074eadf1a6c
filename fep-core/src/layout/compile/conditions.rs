//! `when` conditions into the dispatch table, checked for ambiguity; and the `key`
//! directive into each message's key fields.

use std::collections::HashMap;

use super::Compiler;
use crate::codec::field::{Codec, ScalarDef};
use crate::error::{ErrorKind, Result, did_you_mean};
use crate::layout::ast::*;
use crate::path::{FieldPath, PathSegment};
use crate::schema::dispatch::*;
use crate::schema::table::*;
use crate::value::Sensitivity;

impl<'c> Compiler<'c, '_> {
    /// Resolves `when` conditions into discriminators and checks that no two messages of
    /// equal specificity can match one telegram.
    pub(super) fn conditions(
        &mut self,
        ast: &'c LayoutAst,
        messages: &mut [MessageDef],
    ) -> Result<Dispatch> {
        let cx = self.cx;
        let mut discs: Vec<Disc> = Vec::new();
        let mut path_first: HashMap<&str, (usize, usize, &str)> = HashMap::new();
        for (mi, m) in ast.messages.iter().enumerate() {
            let mut conds: Vec<(usize, Vec<Box<[u8]>>)> = Vec::new();
            for c in &m.conditions {
                let id = self
                    .resolve_path(messages[mi].root, &c.path.value)
                    .ok_or_else(|| {
                        let paths = self.single_paths(messages[mi].root);
                        let hint = did_you_mean(&c.path.value, paths.iter().map(String::as_str));
                        cx.err(c.path.span, ErrorKind::BadCondition(format!(
                        "message \"{}\" has no field \"{}\" (a single field outside any repeat){hint}",
                        m.name.value, c.path.value
                    )))
                    })?;
                let def = &self.fields[id as usize];
                let FieldKind::Scalar(scalar) = &def.kind else {
                    return Err(cx.err(
                        c.path.span,
                        ErrorKind::BadCondition(format!(
                            "\"{}\" is a record; a condition tests a single field",
                            c.path.value
                        )),
                    ));
                };
                let Some(offset) = def.offset else {
                    return Err(cx.err(
                        c.path.span,
                        ErrorKind::BadCondition(format!(
                            "\"{}\" has no fixed offset (it follows a counted repeat)",
                            c.path.value
                        )),
                    ));
                };
                let width = def.width;
                match path_first.get(c.path.value.as_str()) {
                    Some(&(o, w, first_msg)) if (o, w) != (offset, width) => {
                        return Err(cx.err(c.path.span, ErrorKind::BadCondition(format!(
                            "\"{}\" is at bytes {}..{} here but at {}..{} in message \"{}\"; a condition must test the same bytes in every message",
                            c.path.value, offset, offset + width, o, o + w, first_msg
                        ))));
                    }
                    Some(_) => {}
                    None => {
                        path_first.insert(&c.path.value, (offset, width, &m.name.value));
                    }
                }
                let mut values = Vec::new();
                for v in &c.values {
                    values.push(self.wire_literal(scalar, width, v)?);
                }
                let di = match discs
                    .iter()
                    .position(|d| d.offset == offset && d.width == width)
                {
                    Some(i) => i,
                    None => {
                        discs.push(Disc {
                            offset,
                            width,
                            path: c.path.value.clone().into_boxed_str(),
                            sensitive: def.sensitivity != Sensitivity::Plain,
                            values: Vec::new(),
                            any: Box::default(),
                            small: None,
                        });
                        discs.len() - 1
                    }
                };
                match conds.iter_mut().find(|(d, _)| *d == di) {
                    // Two conditions on the same bytes: both must hold.
                    Some((_, prev)) => prev.retain(|p| values.contains(p)),
                    None => conds.push((di, values)),
                }
            }
            // Two conditions on the same bytes count once.
            messages[mi].specificity = conds.len();
            messages[mi].conditions = conds;
        }

        // Equal specificity must not overlap.
        for a in 0..messages.len() {
            for b in a + 1..messages.len() {
                if messages[a].specificity != messages[b].specificity {
                    continue;
                }
                let overlap = (0..discs.len()).all(|d| {
                    let va = messages[a].conditions.iter().find(|(x, _)| *x == d);
                    let vb = messages[b].conditions.iter().find(|(x, _)| *x == d);
                    match (va, vb) {
                        (Some((_, va)), Some((_, vb))) => va.iter().any(|v| vb.contains(v)),
                        _ => true,
                    }
                });
                if overlap {
                    let span = ast.messages[b]
                        .conditions
                        .first()
                        .map_or(ast.messages[b].name.span, |c| c.path.span);
                    return Err(cx.err(
                        span,
                        ErrorKind::AmbiguousMessages {
                            first: messages[a].name.to_string(),
                            second: messages[b].name.to_string(),
                        },
                    ));
                }
            }
        }

        // Bit sets, messages ordered by falling specificity (stable: layout order on ties).
        let mut order: Vec<u32> = (0..messages.len() as u32).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(messages[i as usize].specificity));
        let words = messages.len().div_ceil(64).max(1);
        for (di, d) in discs.iter_mut().enumerate() {
            let mut any = vec![0u64; words];
            let mut values: Vec<(Box<[u8]>, MessageSet)> = Vec::new();
            for (bit, &mi) in order.iter().enumerate() {
                match messages[mi as usize]
                    .conditions
                    .iter()
                    .find(|(x, _)| *x == di)
                {
                    None => any[bit / 64] |= 1 << (bit % 64),
                    Some((_, vals)) => {
                        for v in vals {
                            match values.iter_mut().find(|(k, _)| k == v) {
                                Some((_, set)) => set[bit / 64] |= 1 << (bit % 64),
                                None => {
                                    let mut set = vec![0u64; words];
                                    set[bit / 64] |= 1 << (bit % 64);
                                    values.push((v.clone(), set.into()));
                                }
                            }
                        }
                    }
                }
            }
            values.sort_by(|a, b| a.0.cmp(&b.0));
            if words == 1 && d.width <= 8 {
                d.small = Some(SmallDisc {
                    keys: values.iter().map(|(k, _)| pack(k)).collect(),
                    sets: values.iter().map(|(_, s)| s[0]).collect(),
                    any: any[0],
                });
            }
            d.values = values;
            d.any = any.into();
        }
        let small = discs.iter().all(|d| d.small.is_some());
        let end = discs.iter().map(|d| d.offset + d.width).max().unwrap_or(0);
        // The inline form needs every discriminator to fit it; else none uses it.
        let inline: Option<Box<[InlineDisc]>> = if small {
            discs
                .iter()
                .map(|d| {
                    let sd = d.small.as_ref()?;
                    let values: Vec<(u64, u64)> = d
                        .values
                        .iter()
                        .zip(&sd.sets)
                        .map(|((v, _), set)| (load_key(v, 0, v.len(), !0), *set))
                        .collect();
                    InlineDisc::build(
                        u32::try_from(d.offset).ok()?,
                        d.width as u32,
                        sd.any,
                        &values,
                    )
                })
                .collect()
        } else {
            None
        };
        let inline = inline.unwrap_or_default();
        let n = order.len();
        let all = if n >= 64 { !0 } else { (1u64 << n) - 1 };
        let chosen = Dispatch::chosen_of(&inline, &order);
        Ok(Dispatch {
            discs,
            order,
            words,
            small,
            end,
            inline,
            all,
            chosen,
        })
    }

    /// A condition literal as the bytes on the wire: padded as the field pads.
    pub(super) fn wire_literal(
        &self,
        def: &ScalarDef,
        width: usize,
        v: &Spanned<String>,
    ) -> Result<Box<[u8]>> {
        let cx = self.cx;
        let mut bytes = Vec::new();
        crate::codec::text::encode(self.encoding, &v.value, &mut bytes).map_err(|k| {
            cx.err(
                v.span,
                ErrorKind::BadCondition(format!("the literal cannot be written: {k}")),
            )
        })?;
        if bytes.len() > width {
            return Err(cx.err(
                v.span,
                ErrorKind::BadCondition(format!(
                    "the literal is {} bytes, the field {width}",
                    bytes.len()
                )),
            ));
        }
        let (pad, right) = match &def.codec {
            Codec::Text {
                pad, align_right, ..
            } => (*pad, *align_right),
            Codec::Number(n) => (n.pad, n.align_right),
            _ => (b' ', false),
        };
        let fill = width - bytes.len();
        if right {
            let mut out = vec![pad; fill];
            out.extend_from_slice(&bytes);
            Ok(out.into())
        } else {
            bytes.resize(width, pad);
            Ok(bytes.into())
        }
    }

    /// A dotted path through single (unrepeated) fields of a message.
    /// The paths of the single fields (outside any repeat) under `root`, for a hint when a
    /// path names none of them. Made on the error path only.
    fn single_paths(&self, root: GroupId) -> Vec<String> {
        let mut out = Vec::new();
        let mut todo = vec![(root, String::new())];
        while let Some((g, prefix)) = todo.pop() {
            for &m in &self.groups[g as usize].members {
                let def = &self.fields[m as usize];
                if def.repeat != Repeat::One {
                    continue;
                }
                let path = if prefix.is_empty() {
                    def.name.to_string()
                } else {
                    format!("{prefix}.{}", def.name)
                };
                match def.kind {
                    FieldKind::Group(inner) => todo.push((inner, path)),
                    FieldKind::Scalar(_) => out.push(path),
                }
            }
        }
        out
    }

    pub(super) fn resolve_path(&self, root: GroupId, path: &str) -> Option<FieldId> {
        let mut group = Some(root);
        let mut found = None;
        let path = FieldPath::parse(path).ok()?;
        for seg in path.segments() {
            let PathSegment::Name(seg) = seg else {
                return None;
            };
            let g = group?;
            let id = *self.groups[g as usize]
                .members
                .iter()
                .find(|&&m| &*self.fields[m as usize].name == seg)?;
            let def = &self.fields[id as usize];
            if def.repeat != Repeat::One {
                return None;
            }
            found = Some(id);
            group = match def.kind {
                FieldKind::Group(inner) => Some(inner),
                FieldKind::Scalar(_) => None,
            };
        }
        found
    }

    pub(super) fn keys(
        &self,
        ast: &LayoutAst,
        messages: &mut [MessageDef],
    ) -> Result<Vec<Box<str>>> {
        let cx = self.cx;
        let own = ast.messages.iter().filter_map(|b| b.key.as_ref());
        let arity = ast.key.iter().chain(own).map(Vec::len).collect::<Vec<_>>();
        // Every key has as many parts as the others, so that a response's key can be
        // compared with its request's part by part.
        if let Some(&n) = arity.first() {
            for (b, paths) in ast
                .messages
                .iter()
                .filter_map(|b| Some((b, b.key.as_ref()?)))
            {
                if paths.len() != n {
                    return Err(cx.err(
                        paths[0].span,
                        ErrorKind::BadCondition(format!(
                            "message \"{}\" has a key of {} fields, the other keys have {n}",
                            b.name.value,
                            paths.len()
                        )),
                    ));
                }
            }
        }
        if let Some(paths) = &ast.key {
            for p in paths {
                let mut anywhere = false;
                for (m, b) in messages.iter().zip(&ast.messages) {
                    if b.key.is_some() {
                        continue;
                    }
                    if let Some(id) = self.resolve_path(m.root, &p.value) {
                        self.check_key_field(p, id, &m.name)?;
                        anywhere |= matches!(self.fields[id as usize].kind, FieldKind::Scalar(_));
                    }
                }
                if !anywhere && ast.messages.iter().any(|b| b.key.is_none()) {
                    return Err(cx.err(
                        p.span,
                        ErrorKind::BadCondition(format!(
                            "no message has a field \"{}\" for the key",
                            p.value
                        )),
                    ));
                }
            }
        }
        for (m, b) in messages.iter_mut().zip(&ast.messages) {
            let Some(paths) = b.key.as_ref().or(ast.key.as_ref()) else {
                continue;
            };
            let own = b.key.is_some();
            let mut ids = Vec::with_capacity(paths.len());
            for p in paths {
                match self.resolve_path(m.root, &p.value) {
                    Some(id) if matches!(self.fields[id as usize].kind, FieldKind::Scalar(_)) => {
                        if own {
                            self.check_key_field(p, id, &m.name)?;
                        }
                        ids.push(id);
                    }
                    Some(id) if own => self.check_key_field(p, id, &m.name)?,
                    // The message's own key names its fields: each must be there.
                    _ if own => {
                        let paths = self.single_paths(m.root);
                        let hint = did_you_mean(&p.value, paths.iter().map(String::as_str));
                        return Err(cx.err(
                            p.span,
                            ErrorKind::BadCondition(format!(
                                "message \"{}\" has no field \"{}\" for its key{hint}",
                                m.name, p.value
                            )),
                        ));
                    }
                    _ => break,
                }
            }
            m.key = (ids.len() == paths.len()).then_some(ids);
        }
        Ok(ast
            .key
            .iter()
            .flatten()
            .map(|p| p.value.clone().into_boxed_str())
            .collect())
    }

    /// Each message's `answers` line to message indexes: every name a message of the
    /// layout, and both sides with a key (a request without one is never pending).
    pub(super) fn answers(&self, ast: &LayoutAst, messages: &mut [MessageDef]) -> Result<()> {
        let cx = self.cx;
        let index = |name: &str| messages.iter().position(|m| &*m.name == name);
        let mut resolved = Vec::with_capacity(messages.len());
        for (mi, b) in ast.messages.iter().enumerate() {
            let Some(names) = &b.answers else {
                resolved.push(None);
                continue;
            };
            if messages[mi].key.is_none() {
                return Err(cx.err(
                    names[0].span,
                    ErrorKind::BadCondition(format!(
                        "message \"{}\" answers requests but has no key to match them by",
                        b.name.value
                    )),
                ));
            }
            let mut ids = Vec::with_capacity(names.len());
            for n in names {
                let Some(id) = index(&n.value) else {
                    let known = messages
                        .iter()
                        .map(|m| format!("\"{}\"", m.name))
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(cx.err(
                        n.span,
                        ErrorKind::BadCondition(format!(
                            "`answers` names no message \"{}\" (the messages: {known})",
                            n.value
                        )),
                    ));
                };
                if messages[id].key.is_none() {
                    return Err(cx.err(
                        n.span,
                        ErrorKind::BadCondition(format!(
                            "message \"{}\" has no key, so none of its requests is ever pending",
                            n.value
                        )),
                    ));
                }
                if !ids.contains(&(id as u32)) {
                    ids.push(id as u32);
                }
            }
            resolved.push(Some(ids.into_boxed_slice()));
        }
        for (m, a) in messages.iter_mut().zip(resolved) {
            m.answers = a;
        }
        Ok(())
    }

    /// A key field is a single field at a fixed offset.
    fn check_key_field(&self, p: &Spanned<String>, id: FieldId, message: &str) -> Result<()> {
        let def = &self.fields[id as usize];
        if matches!(def.kind, FieldKind::Group(_)) {
            return Err(self.cx.err(
                p.span,
                ErrorKind::BadCondition(format!(
                    "key field \"{}\" is a record in message \"{message}\"; a key takes single fields",
                    p.value
                )),
            ));
        }
        if def.offset.is_none() {
            return Err(self.cx.err(
                p.span,
                ErrorKind::BadCondition(format!(
                    "key field \"{}\" has no fixed offset in message \"{message}\"",
                    p.value
                )),
            ));
        }
        Ok(())
    }
}
