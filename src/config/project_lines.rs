//! The `build-config.yaml` nearly every project has (`key: value` lines,
//! lists of words) read line by line, without the YAML parser: serde_saphyr
//! took ~6 µs a file, a quarter of the CPU of `plan --all` at 20,000
//! projects and half of the config reader's at 500 changed projects.
//!
//! Only a narrow subset is read here; anything else returns `None` and goes
//! to serde_saphyr, which also words every error. The subset leaves YAML no
//! choice of meaning: known keys at the line start, each once; plain words
//! (single spaces between them in a block) that cannot be read as null, a
//! boolean or a number; quoted text without escapes; one-line `[a, b]` lists
//! and `- item` lists. Printable ASCII and newlines only (columns are
//! bytes). What it accepts reads exactly as serde_saphyr reads it, values
//! and line/column of each: the tests below compare both on generated
//! documents, and `fuzz::targets` on mutated ones.

use serde::Deserialize;
use serde::de::value::{Error as ValueError, MapDeserializer};
use serde_saphyr::{Location, Spanned};

use super::project::{RawBuildArg, RawProjectConfig};

/// Beyond these a file is no longer the common case, and serde_saphyr's own
/// budgets (nodes, events) must decide.
const MAX_TEXT: usize = 64 * 1024;
const MAX_ITEMS: usize = 1_000;

/// Words YAML 1.1 or 1.2 could read as null, a boolean or a float (any case).
const RESERVED: &[&str] = &[
    "null", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", ".nan",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    UpstreamRepo,
    UpstreamRef,
    DockerfilePath,
    Target,
    ContextPath,
    BuildArgs,
    Platforms,
    AdditionalTags,
    Cache,
    DependsOn,
}

impl Key {
    fn named(name: &str) -> Option<Key> {
        Some(match name {
            "upstream_repo" => Key::UpstreamRepo,
            "upstream_ref" => Key::UpstreamRef,
            "dockerfile_path" => Key::DockerfilePath,
            "target" => Key::Target,
            "context_path" => Key::ContextPath,
            "build_args" => Key::BuildArgs,
            "platforms" => Key::Platforms,
            "additional_tags" => Key::AdditionalTags,
            "cache" => Key::Cache,
            "depends_on" => Key::DependsOn,
            _ => return None,
        })
    }

    fn is_list(self) -> bool {
        matches!(
            self,
            Key::BuildArgs | Key::Platforms | Key::AdditionalTags | Key::DependsOn
        )
    }
}

/// A list key whose `- item` lines follow.
struct Open {
    key: Key,
    indent: Option<usize>,
    items: Vec<Spanned<String>>,
}

/// `text` as serde_saphyr would read it, or `None`: not in the subset.
pub(super) fn read(text: &str) -> Option<RawProjectConfig> {
    // Printable ASCII and newlines only: YAML refuses other control bytes,
    // even in comments, and tabs and `\r` change how lines are read.
    if text.len() > MAX_TEXT
        || text
            .bytes()
            .any(|b| !(b' '..=b'~').contains(&b) && b != b'\n')
    {
        return None;
    }
    let mut raw = RawProjectConfig::default();
    let mut seen: Vec<Key> = Vec::new();
    let mut open: Option<Open> = None;
    let mut items = 0usize;
    for (index, line) in text.split('\n').enumerate() {
        let number = u32::try_from(index + 1).ok()?;
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if let Some(rest) = body.strip_prefix("- ") {
            let list = open.as_mut()?;
            if *list.indent.get_or_insert(indent) != indent {
                return None;
            }
            let at = indent + 2 + (rest.len() - rest.trim_start_matches(' ').len());
            let (value, used) = scalar(&line[at..], false)?;
            ends(&line[at + used..])?;
            items += 1;
            if items > MAX_ITEMS {
                return None;
            }
            list.items.push(spanned(value, number, at)?);
            continue;
        }
        if indent > 0 {
            return None;
        }
        if let Some(list) = open.take() {
            close(&mut raw, list)?;
        }
        let (name, rest) = line.split_once(':')?;
        let key = Key::named(name)?;
        if seen.contains(&key) {
            return None;
        }
        seen.push(key);
        // `key:` then a space, or the end: else it is no mapping key.
        if !(rest.is_empty() || rest.starts_with(' ')) {
            return None;
        }
        let value = rest.trim_start_matches(' ');
        let at = name.len() + 1 + (rest.len() - value.len());
        if value.is_empty() || value.starts_with('#') {
            if !key.is_list() {
                return None;
            }
            open = Some(Open {
                key,
                indent: None,
                items: Vec::new(),
            });
            continue;
        }
        if key.is_list() {
            let (list, used) = flow_list(line, at, number)?;
            ends(&line[at + used..])?;
            items += list.len();
            if items > MAX_ITEMS {
                return None;
            }
            set_list(&mut raw, key, list);
        } else if key == Key::Cache {
            let word = value.split(' ').next().unwrap_or(value);
            raw.cache = Some(match word {
                "true" => true,
                "false" => false,
                _ => return None,
            });
            ends(&value[word.len()..])?;
        } else {
            let (text, used) = scalar(value, false)?;
            ends(&value[used..])?;
            let value = Some(spanned(text, number, at)?);
            match key {
                Key::UpstreamRepo => raw.upstream_repo = value,
                Key::UpstreamRef => raw.upstream_ref = value,
                Key::DockerfilePath => raw.dockerfile_path = value,
                Key::Target => raw.target = value,
                _ => raw.context_path = value,
            }
        }
    }
    if let Some(list) = open.take() {
        close(&mut raw, list)?;
    }
    Some(raw)
}

/// A `- item` list ends; without items the key holds null: not the subset.
fn close(raw: &mut RawProjectConfig, list: Open) -> Option<()> {
    if list.items.is_empty() {
        return None;
    }
    set_list(raw, list.key, list.items);
    Some(())
}

fn set_list(raw: &mut RawProjectConfig, key: Key, list: Vec<Spanned<String>>) {
    match key {
        Key::BuildArgs => {
            raw.build_args = Some(
                list.into_iter()
                    .map(|s| Spanned::new(RawBuildArg::Pair(s.value), s.referenced, s.defined))
                    .collect(),
            );
        }
        Key::Platforms => raw.platforms = Some(list),
        Key::AdditionalTags => raw.additional_tags = Some(list),
        _ => raw.depends_on = Some(list),
    }
}

/// `[a, b]` starting at byte `at` of `line`: its items and its length.
fn flow_list(line: &str, at: usize, number: u32) -> Option<(Vec<Spanned<String>>, usize)> {
    let mut pos = at + 1;
    if !line[at..].starts_with('[') {
        return None;
    }
    let mut list = Vec::new();
    let skip = |pos: usize| pos + (line[pos..].len() - line[pos..].trim_start_matches(' ').len());
    pos = skip(pos);
    if line[pos..].starts_with(']') {
        return Some((list, pos + 1 - at));
    }
    loop {
        let (value, used) = scalar(&line[pos..], true)?;
        list.push(spanned(value, number, pos)?);
        pos = skip(pos + used);
        match line.as_bytes().get(pos)? {
            b']' => return Some((list, pos + 1 - at)),
            b',' => pos = skip(pos + 1),
            _ => return None,
        }
    }
}

/// A word or a quoted text at the start of `s`, and the bytes it takes.
fn scalar(s: &str, in_flow: bool) -> Option<(String, usize)> {
    let first = *s.as_bytes().first()?;
    if first == b'"' || first == b'\'' {
        let inner = &s[1..];
        let end = inner.find(first as char)?;
        let text = &inner[..end];
        // Escapes (`\` in double quotes, `''` in single) are the parser's.
        if text
            .bytes()
            .any(|b| !(b' '..=b'~').contains(&b) || b == b'\\')
            || inner[end + 1..].starts_with('\'')
        {
            return None;
        }
        return Some((text.to_string(), end + 2));
    }
    let len = if in_flow {
        s.bytes()
            .position(|b| !word_byte(b, true))
            .unwrap_or(s.len())
    } else {
        // In a block the words run to a ` #` comment or the line's end, and
        // may hold single spaces (`hello from monoarch`); the trailing ones
        // are not part of them.
        let end = s.find(" #").unwrap_or(s.len());
        let text = s[..end].trim_end_matches(' ');
        if text.contains(": ") || text.bytes().any(|b| b != b' ' && !word_byte(b, false)) {
            return None;
        }
        text.len()
    };
    let word = &s[..len];
    let next = s.as_bytes().get(len).copied();
    let ends_right = match next {
        None | Some(b' ') => true,
        Some(b',' | b']') => in_flow,
        Some(_) => false,
    };
    // A number starts with a digit, a sign or a dot and a digit (`.5`);
    // `.`, `./build` and `.github` are text.
    let starts_text = first.is_ascii_alphabetic()
        || first == b'_'
        || first == b'/'
        || (first == b'.' && !word.as_bytes().get(1).is_some_and(u8::is_ascii_digit));
    if word.is_empty()
        || !ends_right
        || !starts_text
        || word.ends_with(':')
        || RESERVED.iter().any(|r| word.eq_ignore_ascii_case(r))
    {
        return None;
    }
    Some((word.to_string(), len))
}

/// Bytes of a plain word: none that YAML gives a meaning inside one.
fn word_byte(b: u8, in_flow: bool) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'.' | b'_' | b'/' | b'@' | b'+' | b'=' | b'-')
        || (b == b':' && !in_flow)
}

/// Only spaces, or a comment after at least one space, may follow a value.
fn ends(rest: &str) -> Option<()> {
    let trimmed = rest.trim_start_matches(' ');
    (trimmed.is_empty() || (trimmed.starts_with('#') && trimmed.len() < rest.len())).then_some(())
}

/// `value` found at byte `at` (0-based) of line `number` (1-based).
fn spanned(value: String, number: u32, at: usize) -> Option<Spanned<String>> {
    let column = u32::try_from(at + 1).ok()?;
    let place = location(number, column)?;
    Some(Spanned::new(value, place, place))
}

/// serde_saphyr's `Location` has no public constructor; its `Deserialize`
/// is public and needs only these two fields. Should that change, nothing is
/// read here and every file goes to the parser (a test says so).
fn location(line: u32, column: u32) -> Option<Location> {
    let fields = [("line", line), ("column", column)];
    Location::deserialize(MapDeserializer::<_, ValueError>::new(fields.into_iter())).ok()
}

/// Values and places, comparable (a `Location` also holds a span).
#[cfg(test)]
fn shown(raw: &RawProjectConfig) -> String {
    fn one(s: &Spanned<String>) -> String {
        format!(
            "{:?}@{}:{}",
            s.value,
            s.referenced.line(),
            s.referenced.column()
        )
    }
    fn many(list: &Option<Vec<Spanned<String>>>) -> String {
        list.as_ref()
            .map(|l| l.iter().map(one).collect::<Vec<_>>().join(","))
            .unwrap_or_else(|| "-".into())
    }
    let args = raw.build_args.as_ref().map(|l| {
        l.iter()
            .map(|a| match &a.value {
                RawBuildArg::Pair(p) => {
                    format!("{p:?}@{}:{}", a.referenced.line(), a.referenced.column())
                }
                RawBuildArg::Map(_) => "map".into(),
            })
            .collect::<Vec<_>>()
            .join(",")
    });
    format!(
        "repo={} ref={} dockerfile={} target={} context={} args={} platforms={} tags={} cache={:?} depends={}",
        raw.upstream_repo.as_ref().map_or("-".into(), one),
        raw.upstream_ref.as_ref().map_or("-".into(), one),
        raw.dockerfile_path.as_ref().map_or("-".into(), one),
        raw.target.as_ref().map_or("-".into(), one),
        raw.context_path.as_ref().map_or("-".into(), one),
        args.unwrap_or_else(|| "-".into()),
        many(&raw.platforms),
        many(&raw.additional_tags),
        raw.cache,
        many(&raw.depends_on),
    )
}

/// What serde_saphyr reads, shown the same way; `None`: an error.
#[cfg(test)]
fn parsed(text: &str) -> Option<String> {
    serde_saphyr::from_str::<Option<RawProjectConfig>>(text)
        .ok()
        .map(|raw| shown(&raw.unwrap_or_default()))
}

/// The fast read agrees with serde_saphyr wherever it answers.
#[cfg(test)]
pub(crate) fn agrees(text: &str) -> bool {
    match read(text) {
        None => true,
        Some(fast) => {
            let slow = parsed(text);
            assert_eq!(
                Some(shown(&fast)),
                slow,
                "the line reader and serde_saphyr differ on {text:?}"
            );
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_configs_are_read_here_exactly_as_the_parser_reads_them() {
        let common = [
            "",
            "# nothing yet\n",
            "dockerfile_path: Dockerfile\n",
            "upstream_repo: https://github.com/org/app.git\nupstream_ref: v1.25.3\ndockerfile_path: build/Dockerfile.prod\ncontext_path: build\ntarget: runtime\n",
            "upstream_repo: git@github.com:org/app.git   # ssh\nupstream_ref: \"1.25\"\n",
            "platforms: [linux/amd64, linux/arm64]\nadditional_tags: [latest, 'v1']\ncache: false\n",
            "platforms:\n  - linux/amd64\n  # arm later\n\n  - linux/arm64\nbuild_args:\n- NODE_VERSION=20\n- MODE=prod # comment\n",
            "depends_on: [base]\nplatforms: []\ncache: true   \n",
            "target:    spaced\ncontext_path: ''\n",
            "build_args:\n  - GREETING=hello from monoarch\nadditional_tags:\n  - \"1.0\"\n  - latest\n",
            "context_path: .\ndockerfile_path: ./build/Dockerfile\nbuild_args:\n  - VERSION=1.795.822\n",
        ];
        for text in common {
            assert!(read(text).is_some(), "not read here: {text:?}");
            assert!(agrees(text));
        }
        let raw = read("upstream_ref: v1\nplatforms:\n  - linux/amd64\n").expect("read");
        assert_eq!(raw.upstream_ref.expect("ref").referenced.line(), 1);
        let platform = &raw.platforms.expect("platforms")[0];
        assert_eq!(
            (platform.referenced.line(), platform.referenced.column()),
            (3, 5)
        );
    }

    #[test]
    fn anything_yaml_could_read_otherwise_goes_to_the_parser() {
        let others = [
            "target: 1.25\n",
            "target: .5\n",
            "target: .Inf\n",
            "build_args: [.nan]\n",
            "upstream_ref: 3f2a9c1\n",
            "target: null\n",
            "target: ~\n",
            "target: yes\n",
            "target: Off\n",
            "target:\n",
            "platforms:\n",
            "target: a\ntarget: b\n",
            "name: app\n",
            "target: a:\n",
            "target: a: b\n",
            "target: a b: c\n",
            "target: a b#c\n",
            "target: yes # y\n",
            "target: a # b\n  c\n",
            "target: foo\n  bar\n",
            "target: \"a\\tb\"\n",
            "target: 'it''s'\n",
            "target: &x a\n",
            "target: *x\n",
            "target: !t a\n",
            "target: |\n  a\n",
            "target: a#b\n",
            "target:a\n",
            "platforms: [a,]\n",
            "platforms: [a,\n  b]\n",
            "platforms: [a: b]\n",
            "platforms: {a: b}\n",
            "platforms: linux/amd64\n",
            "platforms:\n  - a\n    - b\n",
            "platforms:\n  - a\n - b\n",
            "platforms:\n  -\n",
            "platforms:\n  - - a\n",
            "build_args:\n  - name: A\n    value: b\n",
            "---\ntarget: a\n",
            "target: a\r\n",
            "\ttarget: a\n",
            "target: caf\u{e9}\n",
            " target: a\n",
            "\"target\": a\n",
            "cache: True\n",
            "cache: yes\n",
        ];
        for text in others {
            assert!(read(text).is_none(), "read here: {text:?}");
        }
    }

    #[test]
    fn a_location_can_still_be_made() {
        // Every fast read depends on it: were it refused, no file would be read here.
        let place = location(3, 7).expect("serde_saphyr reads a Location from line and column");
        assert_eq!((place.line(), place.column()), (3, 7));
    }

    #[test]
    fn generated_documents_read_the_same_both_ways() {
        const PIECES: &[&str] = &[
            "upstream_repo: ",
            "upstream_ref: ",
            "dockerfile_path: ",
            "target: ",
            "context_path: ",
            "cache: ",
            "platforms: ",
            "platforms:",
            "additional_tags: [",
            "build_args:\n",
            "depends_on:\n",
            "- ",
            "  - ",
            "[",
            "]",
            ", ",
            ",",
            "'",
            "\"",
            " # c",
            "#",
            "\n",
            "\n\n",
            "  ",
            ":",
            "true",
            "false",
            "no",
            "v1.2.3",
            "1.2",
            "linux/amd64",
            "A=b",
            "https://h/o/r",
            "git@h:o/r",
            "a",
            "_x",
            "/p",
            "-x",
            ".x",
            ".",
            "..",
            "./b",
            ".5",
            ".inf",
            ".NaN",
            ".e5",
            " ",
            "a b",
            "a  b ",
            "a - b",
            ": ",
            " #x",
            "x=",
            "@x",
        ];
        // xorshift64*: the same documents on every run.
        let mut state: u64 = 0x6c69_6e65_7321;
        let mut below = |n: usize| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) % n as u64) as usize
        };
        let mut read_here = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..below(14) + 1 {
                text.push_str(PIECES[below(PIECES.len())]);
            }
            if read(&text).is_some() {
                read_here += 1;
            }
            assert!(agrees(&text));
        }
        // Enough of them were read here for the comparison to mean something.
        assert!(
            read_here > 500,
            "only {read_here} generated documents read here"
        );
    }
}
