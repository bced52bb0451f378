//! One walk of the body for the first layouts of an API that has several
//! ([`Layouts`]).
//!
//! Layouts are tried in order and the first whose conditions hold on what
//! it decoded wins. Walking the body once per layout tried made a response
//! of the second layout cost two walks: Twilio's legacy body, which the
//! first of its two layouts does not fit, took 6281 instructions a decode
//! against 2888 for a hand-written decoder of both shapes (callgrind,
//! `cargo xtask bench instructions`).
//!
//! A later layout that reads nothing but a code, a message, a request id
//! and plain captures rides in the first layout's walk instead: its
//! pointers are added to the first layout's [`Targets`] as slots of their
//! own ([`Kind::RideCode`] and the like, and plain captures), so one walk
//! finds every layout's values, stepping each key once over the segments
//! of all of them. Each rider's values are then moved into a scope of its
//! own, shaped as its own walk would have left it, and every layout is
//! finished and tested in order exactly as if it had walked the body alone.
//! The last rider takes the walk's own scope instead, which no layout needs
//! after it; its captures stay where the walk left them when they are the
//! first layout's (generated code lists the API's captures for every
//! layout).
//!
//! A layout that cannot ride (it has arrays of items, field errors, a
//! select or code fallbacks, whose values depend on contexts of their own;
//! or a pointer that leads into an array or field map of the first layout;
//! or another format; or no slots are left) ends the riders: it and the
//! layouts after it walk the body again, in turn.
//!
//! The first layout's conditions are tested on what the walk left, before
//! it is finished, when they read only its own captures (they always do in
//! generated code): a response it takes is finished once. Measured with
//! callgrind (`cargo xtask bench instructions`): Twilio's legacy body,
//! 6281 instructions a decode walked twice, 3419 in one walk (a single
//! layout of that shape alone: about 3250; a hand-written decoder of both
//! shapes: 2888); its RFC 9457 body, which the first layout takes, 5977
//! walked alone, 5625 now. Most of what one walk costs over a single
//! layout is the riders' segments, which each key is compared with.

use std::borrow::Cow;

use arrayvec::ArrayVec;

use super::{
    ANY, Alternative, CODE, Captured, Captures, Decoder, FIXED, Found, Kind, Layouts,
    MAX_CAPTURE_SLOTS, MAX_SLOTS, MESSAGE, Mask, REQUEST_ID, ROOT, RawCode, Scope, Targets, bit,
    code_from_str, paths_eq, walk,
};
use crate::DelayHints;
use crate::layout::{BodyFormat, CodeType};
use crate::rules::{Condition, Facts};

/// How many layouts after the first may ride in its walk.
const MAX_RIDERS: usize = 3;

/// The first layouts of an API, walked at once: the first layout's targets
/// with its riders' slots added.
#[derive(Clone, Copy, Debug)]
pub(super) struct Union {
    targets: Targets,
    /// How many layouts the walk serves: the first and its riders.
    pub(super) lanes: usize,
    /// Per rider (layout 1, 2, …): where its values are.
    riders: [Rider; MAX_RIDERS],
    /// Whether the first layout's conditions read no capture past its own
    /// captures: then they are tested on what the walk left, before the
    /// first layout is finished (and the riders' values are moved out).
    pretest: bool,
    /// How many dynamic slots the walk fills at most.
    dynamic: usize,
}

/// Where one of a rider's values is.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// The rider has no such value.
    None,
    /// A slot of the rider's own.
    Own(u8),
    /// The first layout's slot: the same pointer, taken the same way, so
    /// the rider gets a copy of its value.
    Shared(u8),
}

/// Where one rider's values are among the [`Union`]'s slots.
#[derive(Clone, Copy, Debug)]
struct Rider {
    code: Source,
    message: Source,
    request_id: Source,
    /// Per capture of the rider's, up to its last that has a pointer.
    captures: [Source; MAX_CAPTURE_SLOTS],
    count: u8,
    /// Whether each of its captures is the first layout's of the same
    /// index (as when every layout lists the API's captures): then they
    /// are where the walk left them.
    in_place: bool,
}

impl Rider {
    const NONE: Rider = Rider {
        code: Source::None,
        message: Source::None,
        request_id: Source::None,
        captures: [Source::None; MAX_CAPTURE_SLOTS],
        count: 0,
        in_place: true,
    };

    /// Drops the values in the rider's own slots.
    fn drop_own(&self, values: &mut Captures<'_>) {
        let captures = self.captures.iter().take(usize::from(self.count));
        for source in [&self.code, &self.message, &self.request_id]
            .into_iter()
            .chain(captures)
        {
            if let Source::Own(slot) = *source {
                values.take(usize::from(slot) - FIXED);
            }
        }
    }

    /// Moves the rider's values out of the walk's `first` scope (before
    /// the first layout takes them) into `scope`, as the rider's own walk
    /// would have left them.
    fn take_scope<'a>(&self, first: &mut Scope<'a>, targets: &Targets, scope: &mut Scope<'a>) {
        let values = &mut first.values;
        let code_type = targets.code_type;
        let code_of = |v| code_of(v, code_type);
        scope.code = fixed(self.code, || first.code.clone(), values, code_of);
        scope.message = fixed(self.message, || first.message.clone(), values, text_of);
        let request_id = || first.request_id.clone();
        scope.request_id = fixed(self.request_id, request_id, values, text_of);
        let count = usize::from(self.count);
        for (i, source) in self.captures.iter().enumerate().take(count) {
            let value = match *source {
                Source::None => continue,
                // The first layout's value, which it (or a rider after this
                // one) takes later.
                Source::Shared(slot) => values.get(usize::from(slot) - FIXED).cloned(),
                Source::Own(slot) => values.take(usize::from(slot) - FIXED),
            };
            if let Some(value) = value {
                scope.values.set(i, value);
            }
        }
    }

    /// Turns the walk's `scope` into the one the rider's own walk would
    /// have left, in place; the other layouts' values are dropped. For the
    /// last rider, after which no layout needs the walk's scope: moving its
    /// values into a scope of its own cost Twilio's legacy body about 250
    /// instructions a decode more (callgrind).
    #[inline(always)]
    fn take_in_place<'a>(&self, scope: &mut Scope<'a>, targets: &Targets, dynamic: usize) {
        let values = &mut scope.values;
        let code_type = targets.code_type;
        let code_of = |v| code_of(v, code_type);
        let code = fixed(self.code, || scope.code.take(), values, code_of);
        let message = fixed(self.message, || scope.message.take(), values, text_of);
        let request_id = fixed(self.request_id, || scope.request_id.take(), values, text_of);
        let count = usize::from(self.count);
        if self.in_place {
            // Its captures are where the walk left them: the values past
            // them are dropped.
            for i in count..dynamic {
                values.take(i);
            }
        } else {
            // Set in a fresh `Captures`: a capture may be read from a slot
            // that a capture before it is set in. (A shared value is copied:
            // two captures at one pointer share one slot.)
            let mut walked = std::mem::take(values);
            for (i, source) in self.captures.iter().enumerate().take(count) {
                let value = match *source {
                    Source::None => continue,
                    Source::Shared(slot) => walked.get(usize::from(slot) - FIXED).cloned(),
                    Source::Own(slot) => walked.take(usize::from(slot) - FIXED),
                };
                if let Some(value) = value {
                    values.set(i, value);
                }
            }
        }
        scope.code = code;
        scope.message = message;
        scope.request_id = request_id;
        scope.field = None;
        scope.field_message = None;
    }
}

/// A rider's value of a fixed part (code, message, request id) from its
/// `source`: the first layout's (`shared`), or its own slot's as `own`
/// reads it.
#[inline(always)]
fn fixed<'a, T>(
    source: Source,
    shared: impl FnOnce() -> Option<T>,
    values: &mut Captures<'a>,
    own: impl FnOnce(Captured<'a>) -> Option<T>,
) -> Option<T> {
    match source {
        Source::None => None,
        Source::Shared(_) => shared(),
        Source::Own(slot) => values.take(usize::from(slot) - FIXED).and_then(own),
    }
}

/// A code as a [`Kind::RideCode`] slot holds it.
fn code_of(value: Captured<'_>, code_type: CodeType) -> Option<RawCode<'_>> {
    match value {
        Captured::Str(text) => Some(code_from_str(text, code_type)),
        Captured::Int(n) => Some(RawCode::Int(n)),
        _ => None,
    }
}

/// A message or request id as a [`Kind::RideMessage`] or
/// [`Kind::RideRequestId`] slot holds it.
fn text_of(value: Captured<'_>) -> Option<Cow<'_, str>> {
    match value {
        Captured::Str(text) => Some(text),
        _ => None,
    }
}

impl Union {
    /// The union of `alternatives`' first layouts, when at least one after
    /// the first can ride in its walk (see the module's documentation).
    pub(super) const fn new(alternatives: &[Alternative<'_>]) -> Option<Union> {
        let Some((first, _)) = alternatives.split_first() else {
            return None;
        };
        let format = first.decoder.format;
        if matches!(format, BodyFormat::Text) {
            return None;
        }
        let mut targets = first.decoder.targets;
        // The first free slot: past every slot the first layout uses.
        let mut next = (Mask::BITS - targets.used.leading_zeros()) as usize;
        if next < FIXED {
            next = FIXED;
        }
        let mut riders = [Rider::NONE; MAX_RIDERS];
        let mut lanes = 1;
        while lanes < alternatives.len() && lanes <= MAX_RIDERS {
            let ride: &Decoder = alternatives[lanes].decoder;
            let own = &ride.targets;
            // At most this many slots of its own (fewer when it shares).
            let fixed = (own.used & (bit(CODE) | bit(MESSAGE) | bit(REQUEST_ID))).count_ones();
            if !same_format(ride.format, format)
                || !first.decoder.targets.can_ride(own)
                || next + fixed as usize + own.captures > MAX_SLOTS
            {
                break;
            }
            let mut rider = Rider::NONE;
            let mut f = 0;
            while f < 3 {
                let (slot, kind) = match f {
                    0 => (CODE, Kind::RideCode),
                    1 => (MESSAGE, Kind::RideMessage),
                    _ => (REQUEST_ID, Kind::RideRequestId),
                };
                if own.used & bit(slot) != 0 {
                    let source = if shares(&targets, slot, own.paths[slot]) {
                        Source::Shared(slot as u8)
                    } else {
                        targets.put_root(next, own.paths[slot], kind);
                        next += 1;
                        Source::Own((next - 1) as u8)
                    };
                    match f {
                        0 => rider.code = source,
                        1 => rider.message = source,
                        _ => rider.request_id = source,
                    }
                }
                f += 1;
            }
            let mut i = 0;
            while i < own.captures {
                let path = own.paths[FIXED + i];
                if own.used & bit(FIXED + i) != 0 {
                    // A capture of the first layout's at the same pointer.
                    let mut c = FIXED;
                    while c < FIXED + first.decoder.targets.captures
                        && !(matches!(targets.kinds[c], Kind::Capture) && shares(&targets, c, path))
                    {
                        c += 1;
                    }
                    rider.captures[i] = if c < FIXED + first.decoder.targets.captures {
                        Source::Shared(c as u8)
                    } else {
                        targets.put_root(next, path, Kind::Capture);
                        targets.any_value |= bit(next);
                        next += 1;
                        Source::Own((next - 1) as u8)
                    };
                    rider.count = (i + 1) as u8;
                }
                i += 1;
            }
            let mut i = 0;
            while i < rider.count as usize {
                rider.in_place &=
                    matches!(rider.captures[i], Source::Shared(s) if s as usize == FIXED + i);
                i += 1;
            }
            riders[lanes - 1] = rider;
            lanes += 1;
        }
        if lanes < 2 {
            return None;
        }
        targets.retable();
        let mut pretest = true;
        let mut c = 0;
        while c < first.when.len() {
            if let Condition::Field(i, _) = first.when[c] {
                pretest &= i < first.decoder.targets.captures;
            }
            c += 1;
        }
        Some(Union {
            targets,
            lanes,
            riders,
            pretest,
            dynamic: next - FIXED,
        })
    }

    /// [`Layouts::choose`] among the layouts of the union: the first that
    /// fits, as its own decoder would have decoded the response, in one
    /// walk; `None` when none fits (the layouts after the union are then
    /// tried in turn).
    // `inline(always)`: into `Layouts::find`, it saves moving the parts
    // (callgrind: Twilio's RFC 9457 body about 60 instructions).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(super) fn choose<'a>(
        &self,
        layouts: &Layouts<'_>,
        media_type: Option<&str>,
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
        hints: &mut DelayHints,
        captures: &mut Captures<'a>,
    ) -> Option<(Option<usize>, Found<'a>)> {
        let lanes = layouts.alternatives.get(..self.lanes)?;
        let (first, later) = lanes.split_first()?;
        let riders = self.riders.get(..later.len())?;
        let first_fits = first.accepts(media_type);
        if !first_fits && !later.iter().any(|a| a.accepts(media_type)) {
            return None;
        }
        let text = std::str::from_utf8(body).ok();
        let format = first.decoder.format;
        let mut scope = Scope::default();
        let mut field_errors = Vec::new();
        let walked = walk(&self.targets, format, text, &mut scope, &mut field_errors);
        if !walked {
            scope = Scope::default();
        }
        // A layout's parts from its scope and field errors, as
        // `Decoder::find` would have decoded the response alone: from no
        // captures, with its own delay hints.
        macro_rules! finish_alone {
            ($decoder:expr, $scope:ident, $field_errors:ident) => {{
                // (A layout with captures sets them all.)
                if $decoder.targets.captures == 0 {
                    *captures = Captures::default();
                }
                $decoder.hints.read_into(headers, hints);
                finish!(
                    $decoder,
                    walked,
                    $scope,
                    $field_errors,
                    text,
                    body,
                    headers,
                    hints,
                    captures,
                )
            }};
        }
        if first_fits && self.pretest {
            // The first layout's conditions, on the captures its own walk
            // would have left (all below its captures' count): when they
            // hold, it is the one, and it is finished alone.
            let facts = Facts::new(status.as_u16(), headers).captures(&scope.values);
            if first.when.iter().all(|c| c.holds(&facts)) {
                for rider in riders {
                    rider.drop_own(&mut scope.values);
                }
                let found = finish_alone!(first.decoder, scope, field_errors);
                return Some((Some(0), found));
            }
        }
        // Each rider's values in a scope of its own, out of the first's:
        // taken before the first layout is finished, when it is; else as
        // each rider's turn comes. (Not an array of `Option<Scope>`: its
        // `None`s cost Twilio's legacy body a copy of 248 bytes each, about
        // 90 instructions a decode; callgrind.)
        let mut own = ArrayVec::<Scope<'a>, MAX_RIDERS>::new();
        if first_fits && !self.pretest {
            for rider in riders {
                let mut taken = Scope::default();
                rider.take_scope(&mut scope, &self.targets, &mut taken);
                own.push(taken);
            }
            // Its own (rare: generated conditions read its own captures).
            let mut first_scope = std::mem::take(&mut scope);
            let mut first_errors = std::mem::take(&mut field_errors);
            let found = finish_alone!(first.decoder, first_scope, first_errors);
            let facts = Facts::new(status.as_u16(), headers).captures(captures);
            if first.when.iter().all(|c| c.holds(&facts)) {
                return Some((Some(0), found));
            }
        }
        // The last rider takes the walk's scope, which no layout needs
        // after it; those before it take copies.
        let (last, before) = later.split_last()?;
        for ((index, alternative), rider) in before.iter().enumerate().zip(riders) {
            if !alternative.accepts(media_type) {
                continue;
            }
            let mut rider_scope = match own.get_mut(index) {
                Some(taken) => std::mem::take(taken),
                None => {
                    let mut taken = Scope::default();
                    rider.take_scope(&mut scope, &self.targets, &mut taken);
                    taken
                }
            };
            let mut rider_errors = Vec::new();
            let found = finish_alone!(alternative.decoder, rider_scope, rider_errors);
            let facts = Facts::new(status.as_u16(), headers).captures(captures);
            if alternative.when.iter().all(|c| c.holds(&facts)) {
                return Some((Some(index + 1), found));
            }
        }
        if !last.accepts(media_type) {
            return None;
        }
        match own.get_mut(before.len()) {
            Some(taken) => scope = std::mem::take(taken),
            None => {
                let rider = riders.get(before.len())?;
                rider.take_in_place(&mut scope, &self.targets, self.dynamic);
            }
        }
        // The first layout's field errors are not the rider's (it has none).
        field_errors.clear();
        let found = finish_alone!(last.decoder, scope, field_errors);
        let facts = Facts::new(status.as_u16(), headers).captures(captures);
        if last.when.iter().all(|c| c.holds(&facts)) {
            return Some((Some(later.len()), found));
        }
        None
    }
}

/// Whether the first layout's slot `slot` is at `path` in the document
/// itself (not moved into the items of an array), so a rider's value at
/// `path` is a copy of its value.
const fn shares(first: &Targets, slot: usize, path: &[&str]) -> bool {
    first.used & bit(slot) != 0
        && first.home[slot] == ROOT
        && first.index[slot] == ANY
        && paths_eq(first.paths[slot], path)
}

/// Whether two formats are the same, in a `const fn`.
const fn same_format(a: BodyFormat, b: BodyFormat) -> bool {
    matches!(
        (a, b),
        (BodyFormat::Json, BodyFormat::Json)
            | (BodyFormat::Xml, BodyFormat::Xml)
            | (BodyFormat::Text, BodyFormat::Text)
    )
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue, StatusCode};

    use super::super::{Alternative, Decoder, Layouts, Parts};
    use super::*;
    use crate::layout::{
        ApiLayout, BodyLayout, Capture, CodeSource, CodeType, FieldErrorsLayout, HeaderLayout,
        Pointer,
    };
    use crate::rules::Test;

    /// Twilio's RFC 9457 shape: an integer code, a `type`, field errors.
    static PROBLEM: ApiLayout = ApiLayout {
        body: BodyLayout {
            code: Some(CodeSource::Body(Pointer(&["code"]))),
            code_type: CodeType::Integer,
            message: Some(Pointer(&["title"])),
            field_errors: Some(FieldErrorsLayout {
                items: Some(Pointer(&["errors"])),
                field: Pointer(&["pointer"]),
                message: Some(Pointer(&["detail"])),
            }),
            captures: &[
                Capture::At(Pointer(&["type"])),
                Capture::At(Pointer(&["type"])),
            ],
            ..BodyLayout::JSON
        },
        headers: HeaderLayout {
            request_id: Some("x-request-id"),
            ..HeaderLayout::NONE
        },
    };

    /// Twilio's legacy shape, with a request id in the body and a capture
    /// of its own.
    static LEGACY: ApiLayout = ApiLayout {
        body: BodyLayout {
            code: Some(CodeSource::Body(Pointer(&["code"]))),
            code_type: CodeType::Integer,
            message: Some(Pointer(&["message"])),
            request_id: Some(Pointer(&["request", "id"])),
            captures: &[
                Capture::At(Pointer(&["type"])),
                Capture::At(Pointer(&["more_info"])),
            ],
            ..BodyLayout::JSON
        },
        headers: HeaderLayout {
            request_id: Some("x-request-id"),
            ..HeaderLayout::NONE
        },
    };

    /// The RFC 9457 shape with the API's captures, as generated code lists
    /// them for every layout (`type`, then the legacy `more_info`), and one
    /// more of its own past them.
    static PROBLEM_API: ApiLayout = ApiLayout {
        body: BodyLayout {
            captures: &[
                Capture::At(Pointer(&["type"])),
                Capture::At(Pointer(&["more_info"])),
                Capture::At(Pointer(&["instance"])),
            ],
            ..PROBLEM.body
        },
        headers: PROBLEM.headers,
    };

    /// The legacy shape capturing one pointer twice, which the first
    /// layout captures too.
    static LEGACY_TWICE: ApiLayout = ApiLayout {
        body: BodyLayout {
            captures: &[
                Capture::At(Pointer(&["more_info"])),
                Capture::At(Pointer(&["more_info"])),
            ],
            ..LEGACY.body
        },
        headers: LEGACY.headers,
    };

    /// A rider for another media type, with values of its own.
    static DETAIL: ApiLayout = ApiLayout {
        body: BodyLayout {
            code: Some(CodeSource::Body(Pointer(&["code"]))),
            code_type: CodeType::Integer,
            message: Some(Pointer(&["detail"])),
            request_id: Some(Pointer(&["instance"])),
            captures: &[Capture::At(Pointer(&["status"]))],
            ..BodyLayout::JSON
        },
        headers: HeaderLayout::NONE,
    };

    /// Errors in an array of items, the code in each.
    static ITEMS: ApiLayout = ApiLayout {
        body: BodyLayout {
            errors: Some(Pointer(&["errors"])),
            code: Some(CodeSource::Body(Pointer(&["code"]))),
            code_type: CodeType::Integer,
            message: Some(Pointer(&["message"])),
            ..BodyLayout::JSON
        },
        headers: HeaderLayout::NONE,
    };

    /// A rider whose code is inside the first layout's array of items.
    static INTO_ITEMS: ApiLayout = ApiLayout {
        body: BodyLayout {
            code: Some(CodeSource::Body(Pointer(&["errors", "0", "code"]))),
            code_type: CodeType::Integer,
            ..BodyLayout::JSON
        },
        headers: HeaderLayout::NONE,
    };

    static PROBLEM_DECODER: Decoder = Decoder::new(&PROBLEM);
    static LEGACY_DECODER: Decoder = Decoder::new(&LEGACY);
    static ITEMS_DECODER: Decoder = Decoder::new(&ITEMS);
    static PROBLEM_API_DECODER: Decoder = Decoder::new(&PROBLEM_API);
    static DETAIL_DECODER: Decoder = Decoder::new(&DETAIL);
    static LEGACY_TWICE_DECODER: Decoder = Decoder::new(&LEGACY_TWICE);
    static INTO_ITEMS_DECODER: Decoder = Decoder::new(&INTO_ITEMS);

    const HAS_TYPE: &[Condition] = &[Condition::Field(0, Test::Present(true))];

    /// Two layouts for any media type: the first where `$when` holds, else
    /// the second.
    macro_rules! two {
        ($when:expr, $first:expr, $second:expr) => {
            Layouts::new(&[
                Alternative {
                    content_types: &[],
                    when: $when,
                    decoder: $first,
                },
                Alternative {
                    content_types: &[],
                    when: &[],
                    decoder: $second,
                },
            ])
        };
    }

    static TWILIO: Layouts<'static> = two!(HAS_TYPE, &PROBLEM_DECODER, &LEGACY_DECODER);

    /// The rider's captures are the first layout's (it takes them where
    /// the walk left them); the first has one more, which it drops.
    static SAME_CAPTURES: Layouts<'static> = two!(HAS_TYPE, &PROBLEM_API_DECODER, &LEGACY_DECODER);

    /// Two riders, the first for another media type (skipped here, its
    /// values left in the walk's slots), the last taking the captures in
    /// place.
    static SKIPPED_RIDER: Layouts<'static> = Layouts::new(&[
        Alternative {
            content_types: &[],
            when: HAS_TYPE,
            decoder: &PROBLEM_API_DECODER,
        },
        Alternative {
            content_types: &["application/x-other"],
            when: &[],
            decoder: &DETAIL_DECODER,
        },
        Alternative {
            content_types: &[],
            when: &[],
            decoder: &LEGACY_DECODER,
        },
    ]);

    /// A rider with two captures at one pointer, the first layout's.
    static TWICE: Layouts<'static> = two!(HAS_TYPE, &PROBLEM_API_DECODER, &LEGACY_TWICE_DECODER);

    /// The rider can ride; the layout after it, which has items, cannot.
    static THREE: Layouts<'static> = Layouts::new(&[
        Alternative {
            content_types: &[],
            when: HAS_TYPE,
            decoder: &PROBLEM_DECODER,
        },
        Alternative {
            content_types: &[],
            when: &[Condition::Field(1, Test::Present(true))],
            decoder: &LEGACY_DECODER,
        },
        Alternative {
            content_types: &[],
            when: &[],
            decoder: &ITEMS_DECODER,
        },
    ]);

    /// The first layout's condition reads past its captures (never so in
    /// generated code): it is finished before it is tested.
    static NO_PRETEST: Layouts<'static> = two!(
        &[Condition::Field(5, Test::Present(false))],
        &PROBLEM_DECODER,
        &LEGACY_DECODER
    );

    /// The same, the first layout never fitting.
    static NO_PRETEST_NEVER: Layouts<'static> = two!(
        &[Condition::Field(5, Test::Present(true))],
        &PROBLEM_DECODER,
        &LEGACY_DECODER
    );

    static NO_RIDER: Layouts<'static> = two!(
        &[Condition::Field(0, Test::Present(true))],
        &ITEMS_DECODER,
        &INTO_ITEMS_DECODER
    );

    const BODIES: &[&[u8]] = &[
        br#"{"code":20404,"message":"The requested resource was not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}"#,
        br##"{"type":"https://www.twilio.com/docs/api/errors/20001","title":"Invalid parameter","status":400,"code":20001,"errors":[{"detail":"must be E.164","pointer":"#/To"}]}"##,
        br#"{"code":"20404","message":"a \"quoted\" message","request":{"id":7}}"#,
        br#"{"code":123456789012345678901234,"message":1,"request":{"id":"req_1"}}"#,
        br#"{"message":"first","message":{},"code":1.5,"more_info":null}"#,
        br#"{"type":null,"code":1}"#,
        br#"{"code":20404,"message":"m","more_info":"https://x","instance":"/i","detail":"d","status":404}"#,
        br#"{"more_info":"a \u00e9","instance":{"id":1},"detail":7,"request":{"id":"r"}}"#,
        br#"{"errors":[{"code":7,"message":"item"}],"code":3}"#,
        br#"{"code":20404,"message":"cut"#,
        b"\xff{}",
        b"",
        b"[]",
        b"<html>Bad Gateway</html>",
    ];

    /// Every layout of `layouts` tried in turn, each walking the body.
    fn in_turn<'a>(
        layouts: &Layouts<'_>,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> (Option<usize>, Parts<'a>) {
        let status = StatusCode::NOT_FOUND;
        let mut hints = DelayHints::default();
        let mut captures = Captures::default();
        let (chosen, found) =
            layouts.choose_in_turn(0, None, status, headers, body, &mut hints, &mut captures);
        (chosen, found.with(hints, captures))
    }

    #[test]
    fn one_walk_decodes_as_each_layout_alone() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", HeaderValue::from_static("hdr_1"));
        for layouts in [
            &TWILIO,
            &THREE,
            &NO_PRETEST,
            &NO_PRETEST_NEVER,
            &SAME_CAPTURES,
            &SKIPPED_RIDER,
            &TWICE,
        ] {
            for body in BODIES {
                let one = layouts.choose(StatusCode::NOT_FOUND, &headers, body);
                let each = in_turn(layouts, &headers, body);
                assert_eq!(one, each, "{}", String::from_utf8_lossy(body));
            }
        }
    }

    #[test]
    fn riders_are_the_layouts_that_can_be_walked_with_the_first() {
        assert_eq!(TWILIO.union.map(|u| u.lanes), Some(2));
        // The third layout has an array of items: it walks on its own.
        assert_eq!(THREE.union.map(|u| u.lanes), Some(2));
        // A code inside the first layout's items is taken in their context.
        assert!(NO_RIDER.union.is_none());
        assert_eq!(
            NO_PRETEST.union.map(|u| (u.lanes, u.pretest)),
            Some((2, false))
        );
        // The code, the type and the captures at the same pointers are the
        // first layout's values; the message, request id and `more_info`
        // have slots of their own.
        let rider = TWILIO.union.map(|u| u.riders[0]);
        assert!(matches!(
            rider,
            Some(Rider {
                code: Source::Shared(_),
                message: Source::Own(_),
                request_id: Source::Own(_),
                captures: [Source::Shared(_), Source::Own(_), ..],
                count: 2,
                in_place: false,
            })
        ));
        // Captures listed alike by both layouts are taken in place.
        let rider = SAME_CAPTURES.union.map(|u| u.riders[0]);
        assert!(matches!(
            rider,
            Some(Rider {
                captures: [Source::Shared(_), Source::Shared(_), ..],
                count: 2,
                in_place: true,
                ..
            })
        ));
        assert_eq!(SKIPPED_RIDER.union.map(|u| u.lanes), Some(3));
    }

    #[test]
    fn the_first_layout_that_fits_wins() {
        let headers = HeaderMap::new();
        let (chosen, parts) = TWILIO.choose(StatusCode::NOT_FOUND, &headers, BODIES[0]);
        assert_eq!(chosen, Some(1));
        assert_eq!(parts.code, Some(RawCode::Int(20404)));
        assert_eq!(
            parts.message.as_deref(),
            Some("The requested resource was not found")
        );
        assert_eq!(
            parts.captures.get(1).and_then(Captured::as_str),
            Some("https://www.twilio.com/docs/errors/20404")
        );
        let (chosen, parts) = TWILIO.choose(StatusCode::BAD_REQUEST, &headers, BODIES[1]);
        assert_eq!(chosen, Some(0));
        assert_eq!(parts.message.as_deref(), Some("Invalid parameter"));
        assert_eq!(parts.field_errors.len(), 1);
        // No value of the rider's own slots leaks into the first's captures.
        assert_eq!(parts.captures.get(2), None);
        assert_eq!(parts.request_id, None);
    }
}
