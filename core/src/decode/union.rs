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
//! 6281 instructions a decode walked twice, 4327 in one walk; its RFC 9457
//! body, which the first layout takes, 5977 before and 6137 now (the
//! riders' slots cost each key a few instructions, and their values are
//! dropped).

use super::{
    ANY, Alternative, CODE, Captured, Captures, Decoder, FIXED, Found, Kind, Layouts,
    MAX_CAPTURE_SLOTS, MAX_SLOTS, MESSAGE, Mask, REQUEST_ID, ROOT, RawCode, Scope, Targets, bit,
    code_from_str, paths_eq, walk,
};
use crate::DelayHints;
use crate::layout::BodyFormat;
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
}

impl Rider {
    const NONE: Rider = Rider {
        code: Source::None,
        message: Source::None,
        request_id: Source::None,
        captures: [Source::None; MAX_CAPTURE_SLOTS],
        count: 0,
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
        scope.code = match self.code {
            Source::None => None,
            Source::Shared(_) => first.code.clone(),
            Source::Own(slot) => match values.take(usize::from(slot) - FIXED) {
                Some(Captured::Str(text)) => Some(code_from_str(text, targets.code_type)),
                Some(Captured::Int(n)) => Some(RawCode::Int(n)),
                _ => None,
            },
        };
        scope.message = match self.message {
            Source::None => None,
            Source::Shared(_) => first.message.clone(),
            Source::Own(slot) => match values.take(usize::from(slot) - FIXED) {
                Some(Captured::Str(text)) => Some(text),
                _ => None,
            },
        };
        scope.request_id = match self.request_id {
            Source::None => None,
            Source::Shared(_) => first.request_id.clone(),
            Source::Own(slot) => match values.take(usize::from(slot) - FIXED) {
                Some(Captured::Str(text)) => Some(text),
                _ => None,
            },
        };
        let count = usize::from(self.count);
        for (i, source) in self.captures.iter().enumerate().take(count) {
            let value = match *source {
                Source::None => continue,
                Source::Shared(slot) => values.get(usize::from(slot) - FIXED).cloned(),
                Source::Own(slot) => values.take(usize::from(slot) - FIXED),
            };
            if let Some(value) = value {
                scope.values.set(i, value);
            }
        }
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
                *captures = Captures::default();
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
        // each rider's turn comes.
        let mut own: [Option<Scope<'a>>; MAX_RIDERS] = [const { None }; MAX_RIDERS];
        if first_fits && !self.pretest {
            for (own, rider) in own.iter_mut().zip(riders) {
                rider.take_scope(&mut scope, &self.targets, own.insert(Scope::default()));
            }
            // Its own (rare: generated conditions read its own captures).
            let mut first_scope = std::mem::take(&mut scope);
            let found = finish_alone!(first.decoder, first_scope, field_errors);
            let facts = Facts::new(status.as_u16(), headers).captures(captures);
            if first.when.iter().all(|c| c.holds(&facts)) {
                return Some((Some(0), found));
            }
        }
        for (((index, alternative), own), rider) in
            later.iter().enumerate().zip(&mut own).zip(riders)
        {
            if !alternative.accepts(media_type) {
                continue;
            }
            let mut rider_scope = match own.take() {
                Some(taken) => taken,
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
    static INTO_ITEMS_DECODER: Decoder = Decoder::new(&INTO_ITEMS);

    const HAS_TYPE: &[Condition] = &[Condition::Field(0, Test::Present(true))];

    static TWILIO: Layouts<'static> = Layouts::new(&[
        Alternative {
            content_types: &[],
            when: HAS_TYPE,
            decoder: &PROBLEM_DECODER,
        },
        Alternative {
            content_types: &[],
            when: &[],
            decoder: &LEGACY_DECODER,
        },
    ]);

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
    static NO_PRETEST: Layouts<'static> = Layouts::new(&[
        Alternative {
            content_types: &[],
            when: &[Condition::Field(5, Test::Present(false))],
            decoder: &PROBLEM_DECODER,
        },
        Alternative {
            content_types: &[],
            when: &[],
            decoder: &LEGACY_DECODER,
        },
    ]);

    /// The same, the first layout never fitting.
    static NO_PRETEST_NEVER: Layouts<'static> = Layouts::new(&[
        Alternative {
            content_types: &[],
            when: &[Condition::Field(5, Test::Present(true))],
            decoder: &PROBLEM_DECODER,
        },
        Alternative {
            content_types: &[],
            when: &[],
            decoder: &LEGACY_DECODER,
        },
    ]);

    static NO_RIDER: Layouts<'static> = Layouts::new(&[
        Alternative {
            content_types: &[],
            when: &[Condition::Field(0, Test::Present(true))],
            decoder: &ITEMS_DECODER,
        },
        Alternative {
            content_types: &[],
            when: &[],
            decoder: &INTO_ITEMS_DECODER,
        },
    ]);

    const BODIES: &[&[u8]] = &[
        br#"{"code":20404,"message":"The requested resource was not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}"#,
        br##"{"type":"https://www.twilio.com/docs/api/errors/20001","title":"Invalid parameter","status":400,"code":20001,"errors":[{"detail":"must be E.164","pointer":"#/To"}]}"##,
        br#"{"code":"20404","message":"a \"quoted\" message","request":{"id":7}}"#,
        br#"{"code":123456789012345678901234,"message":1,"request":{"id":"req_1"}}"#,
        br#"{"message":"first","message":{},"code":1.5,"more_info":null}"#,
        br#"{"type":null,"code":1}"#,
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
        for layouts in [&TWILIO, &THREE, &NO_PRETEST, &NO_PRETEST_NEVER] {
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
            })
        ));
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
