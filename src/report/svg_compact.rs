//! Makes a page's charts lighter without changing what they draw, so that
//! one machine's page stays under 1 MB (issue 35: a default run's 40 charts
//! took 1.91 MB of its 2.47 MB page).
//!
//! plotters writes every element with its whole style (`opacity="1"
//! fill="none" stroke="#000000" stroke-width="1"`), and every tick, grid
//! line, error bar and legend stroke as an element of its own. As a page is
//! written ([`lighten`]):
//! - each distinct style becomes a class, defined once for the whole page
//!   in its head and shared by every chart on it, without the values SVG
//!   starts from (`opacity: 1`);
//! - consecutive opaque strokes of one style (polylines, lines) become one
//!   `<path>` of several subpaths, each point a move from the one before
//!   (`m-4,2h8`), drawn in the same order; a one-point polyline, which
//!   draws nothing, is left out;
//! - the line breaks between elements and around labels go.
//!
//! Text, coordinates, font sizes and the order of elements are kept: this
//! module's test holds a lightened chart of every kind to drawing the same
//! segments and elements, with the same styles, as plotters'. Rendered in
//! Chromium (fd14's 26 charts, before and after), 14 are the same pixel for
//! pixel and the others differ by at most 5 of 255 in a channel, where
//! merged strokes are anti-aliased together. Rounding font sizes to a
//! hundredth of a pixel moved glyphs, so they are not rounded. The input is
//! plotters' output (every attribute value quoted, `<` and `>` escaped in
//! text); a tag it does not recognise is kept as it is, a stroke with more
//! than its coordinates (a transform, a clip) is not merged, and a style
//! value that could end a CSS declaration stays on its element.

use std::collections::HashMap;
use std::fmt::Write;

/// Presentation attributes: what a class can carry. The rest (coordinates,
/// `dy`, `transform`) stays on the element.
const STYLE: &[&str] = &[
    "opacity",
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-dasharray",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "text-anchor",
];

/// CSS needs a unit where an SVG attribute takes a bare number.
const IN_PIXELS: &[&str] = &["font-size", "stroke-width"];

/// Styles that are SVG's initial values, which a class need not repeat
/// (none of these properties is inherited from anything the chart sets).
const INITIAL: &[(&str, &str)] = &[("opacity", "1"), ("stroke", "none"), ("stroke-width", "1")];

/// One start tag: its name, its attributes in order, whether it closes
/// itself.
struct Tag<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, &'a str)>,
    closed: bool,
}

/// Parses `<name a="v" b="w"/>` or `<name a="v">`; `None` for anything
/// else (a closing tag, a comment, an unquoted attribute).
fn parse_tag(text: &str) -> Option<Tag<'_>> {
    let inner = text.strip_prefix('<')?.strip_suffix('>')?;
    let (inner, closed) = match inner.strip_suffix('/') {
        Some(inner) => (inner, true),
        None => (inner, false),
    };
    let name_end = inner
        .find(|c: char| c.is_whitespace())
        .unwrap_or(inner.len());
    let name = &inner[..name_end];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let mut rest = inner[name_end..].trim_start();
    let mut attrs = Vec::new();
    while !rest.is_empty() {
        let eq = rest.find("=\"")?;
        let key = &rest[..eq];
        if key.is_empty() || key.contains(|c: char| c.is_whitespace() || c == '"') {
            return None;
        }
        let value_start = eq + 2;
        let value_end = value_start + rest[value_start..].find('"')?;
        attrs.push((key, &rest[value_start..value_end]));
        rest = rest[value_end + 1..].trim_start();
    }
    Some(Tag {
        name,
        attrs,
        closed,
    })
}

/// Short class names in order of first use: a, b, …, z, aa, ab, …
fn class_name(mut index: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'a' + (index % 26) as u8);
        index /= 26;
        if index == 0 {
            break;
        }
        index -= 1;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

/// The points of a polyline or a line, for a merged `<path>`; `None` for
/// any other element. A one-point polyline draws nothing (a zero-length
/// stroke with butt caps): no points.
fn subpath<'a>(tag: &Tag<'a>) -> Option<Vec<(&'a str, &'a str)>> {
    let get = |key: &str| tag.attrs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    match tag.name {
        "polyline" => {
            let points: Option<Vec<(&str, &str)>> = (get("points")?.split_whitespace())
                .map(|point| point.split_once(','))
                .collect();
            let points = points?;
            Some(match points.len() {
                1 => Vec::new(),
                _ => points,
            })
        }
        "line" => Some(vec![(get("x1")?, get("y1")?), (get("x2")?, get("y2")?)]),
        _ => None,
    }
}

/// The data of one merged `<path>`: whole-pixel points (plotters' own) as
/// moves relative to the point before (`m-4,2h8`), others as written.
#[derive(Default)]
struct PathData {
    d: String,
    /// The current point, while every point so far was a whole number.
    at: Option<(i64, i64)>,
}

impl PathData {
    fn push(&mut self, points: &[(&str, &str)]) {
        let whole: Option<Vec<(i64, i64)>> = (points.iter())
            .map(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)))
            .collect();
        let Some(whole) = whole else {
            for (i, (x, y)) in points.iter().enumerate() {
                let _ = write!(self.d, "{}{x},{y}", if i == 0 { "M" } else { " " });
            }
            self.at = None;
            return;
        };
        for (i, &(x, y)) in whole.iter().enumerate() {
            let _ = match (i, self.at) {
                (0, None) => write!(self.d, "M{x},{y}"),
                (0, Some((ax, ay))) => write!(self.d, "m{},{}", x - ax, y - ay),
                (_, Some((ax, ay))) if x == ax => write!(self.d, "v{}", y - ay),
                (_, Some((ax, ay))) if y == ay => write!(self.d, "h{}", x - ax),
                (_, Some((ax, ay))) => write!(self.d, "l{},{}", x - ax, y - ay),
                (_, None) => unreachable!("the first point sets the current one"),
            };
            self.at = Some((x, y));
        }
    }
}

/// Whether `value` can stand in a CSS declaration as it is: colours,
/// numbers, font names (`sans-serif`), nothing that could end the
/// declaration or the sheet (`;`, `}`, `<`) or need unescaping (`&`).
fn css_safe(value: &str) -> bool {
    (value.chars()).all(|c| c.is_ascii_alphanumeric() || "#., %-".contains(c))
}

/// Whether a line or polyline carries nothing but its coordinates besides
/// its style (`geometry`): nothing a path of several of them would lose
/// (a transform, a clip, caps, an id).
fn only_coordinates(tag: &Tag<'_>, geometry: &[(&str, &str)]) -> bool {
    let mut keys: Vec<&str> = geometry.iter().map(|(key, _)| *key).collect();
    keys.sort_unstable();
    match tag.name {
        "polyline" => keys == ["points"],
        "line" => keys == ["x1", "x2", "y1", "y2"],
        _ => false,
    }
}

/// Whether `style` draws an opaque stroke and no fill: elements of it drawn
/// as one path cover exactly the pixels they cover apart.
fn opaque_stroke(tag: &Tag<'_>, style: &[(&str, &str)]) -> bool {
    let get = |key: &str| style.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let fill_none = tag.name == "line" || get("fill") == Some("none");
    fill_none
        && get("opacity").is_none_or(|o| o == "1")
        && get("stroke-opacity").is_none_or(|o| o == "1")
        && get("stroke").is_some_and(|s| s != "none")
}

/// The classes of one page: each distinct style once (by what it
/// declares, SVG's initial values left out), named in order of first use,
/// and their rules.
#[derive(Default)]
struct Styles {
    /// Declarations to class name.
    classes: HashMap<String, String>,
    rules: String,
}

impl Styles {
    /// The class of `style`, defined on first use.
    fn class_of(&mut self, style: &[(&str, &str)]) -> String {
        let mut declarations = String::new();
        for (key, value) in style {
            if INITIAL.contains(&(*key, *value)) {
                continue;
            }
            let unit = match IN_PIXELS.contains(key) && value.parse::<f64>().is_ok() {
                true => "px",
                false => "",
            };
            let _ = write!(declarations, "{key}:{value}{unit};");
        }
        if let Some(name) = self.classes.get(&declarations) {
            return name.clone();
        }
        let name = format!("{CLASS_PREFIX}{}", class_name(self.classes.len()));
        let _ = write!(self.rules, "svg .{name}{{{declarations}}}");
        self.classes.insert(declarations, name.clone());
        name
    }
}

/// Every class of a chart starts so: apart from the page's own names.
const CLASS_PREFIX: &str = "z";

/// `html` with each of its charts (an `<svg>` element: only the charts
/// module writes them, every other `<` on a page is escaped) made lighter,
/// and their classes defined once, before `</head>`. A page without a head
/// gets them before its first chart.
pub fn lighten(html: &str) -> String {
    let mut styles = Styles::default();
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut first_chart = None;
    while let Some(start) = rest.find("<svg") {
        let Some(end) = rest[start..]
            .find("</svg>")
            .map(|e| start + e + "</svg>".len())
        else {
            break;
        };
        out.push_str(&rest[..start]);
        first_chart.get_or_insert(out.len());
        out.push_str(&compact(&rest[start..end], &mut styles));
        rest = &rest[end..];
    }
    out.push_str(rest);
    let Some(first_chart) = first_chart else {
        return out;
    };
    let sheet = format!("<style>{}</style>\n", styles.rules);
    let at = out.find("</head>").unwrap_or(first_chart);
    out.insert_str(at, &sheet);
    out
}

/// One chart (`svg`, plotters' output) with its styles as classes of
/// `styles` and its runs of opaque strokes as paths.
fn compact(svg: &str, styles: &mut Styles) -> String {
    let mut body = String::with_capacity(svg.len() / 2);
    // A run of strokes being merged: its class and its subpaths.
    let mut run: Option<(String, PathData)> = None;
    let flush = |run: &mut Option<(String, PathData)>, body: &mut String| {
        if let Some((class, path)) = run.take()
            && !path.d.is_empty()
        {
            let _ = write!(body, "<path class=\"{class}\" d=\"{}\"/>", path.d);
        }
    };
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>').map(|end| start + end + 1) else {
            break;
        };
        let (text, raw) = (&rest[..start], &rest[start..end]);
        rest = &rest[end..];
        // Text between tags: a label ends a run.
        // Line breaks between elements are dropped. A label's line breaks
        // around it render as nothing (SVG drops leading and trailing white
        // space).
        if !text.trim().is_empty() {
            flush(&mut run, &mut body);
            body.push_str(text.trim_matches('\n'));
        }
        let parsed = parse_tag(raw);
        // A style whose value could end a CSS declaration stays where it is.
        let styled = parsed.as_ref().map(|tag| {
            (tag.attrs.iter().copied())
                .partition::<Vec<_>, _>(|(key, value)| STYLE.contains(key) && css_safe(value))
        });
        let (Some(tag), Some((style, geometry))) = (parsed, styled) else {
            flush(&mut run, &mut body);
            body.push_str(raw);
            continue;
        };
        if style.is_empty() {
            flush(&mut run, &mut body);
            body.push_str(raw);
            continue;
        }
        if tag.closed
            && opaque_stroke(&tag, &style)
            && only_coordinates(&tag, &geometry)
            && let Some(sub) = subpath(&tag)
        {
            // A path fills by default, a line or polyline does not.
            let mut stroke = style.clone();
            if !stroke.iter().any(|(key, _)| *key == "fill") {
                stroke.push(("fill", "none"));
            }
            let class = styles.class_of(&stroke);
            if run.as_ref().is_none_or(|(open, _)| *open != class) {
                flush(&mut run, &mut body);
                run = Some((class, PathData::default()));
            }
            if let Some((_, path)) = &mut run {
                path.push(&sub);
            }
            continue;
        }
        let class = styles.class_of(&style);
        flush(&mut run, &mut body);
        body.push('<');
        body.push_str(tag.name);
        for (key, value) in geometry {
            let _ = write!(body, " {key}=\"{value}\"");
        }
        let _ = write!(body, " class=\"{class}\"");
        body.push_str(if tag.closed { "/>" } else { ">" });
    }
    flush(&mut run, &mut body);
    body.push_str(rest);
    body
}

#[cfg(test)]
mod tests {
    use super::super::charts::{
        self, Bar, BarChart, Ink, LineChart, Marker, Panel, Point, Series, Strip, StripChart,
        StripPanel, Style,
    };
    use super::*;

    /// What a chart draws, in order: each stroke segment with its style, and
    /// every other element with its style, geometry and text. Styles are
    /// resolved through `rules` (class name to declarations) and written
    /// without SVG's initial values, so an element and its class compare
    /// equal.
    fn drawing(svg: &str, rules: &HashMap<String, Vec<(String, String)>>) -> Vec<String> {
        let mut ops = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let end = start + rest[start..].find('>').unwrap() + 1;
            let (text, raw) = (&rest[..start], &rest[start..end]);
            rest = &rest[end..];
            if !text.trim().is_empty() {
                ops.push(format!("text {}", text.trim_matches('\n')));
            }
            let Some(tag) = parse_tag(raw) else {
                ops.push(raw.to_string());
                continue;
            };
            let mut style: Vec<(String, String)> = Vec::new();
            let mut geometry = Vec::new();
            for (key, value) in &tag.attrs {
                match (*key, STYLE.contains(key)) {
                    ("class", _) => style.extend(rules[*value].iter().cloned()),
                    (_, true) => style.push((key.to_string(), value.to_string())),
                    (_, false) if tag.name == "svg" => {}
                    _ => geometry.push(format!("{key}={value}")),
                }
            }
            style.retain(|(k, v)| !INITIAL.contains(&(k.as_str(), v.as_str())));
            // A stroke does not fill, whether a line, a polyline or a path
            // says so.
            if matches!(tag.name, "line" | "polyline" | "path") {
                style.retain(|(k, v)| (k.as_str(), v.as_str()) != ("fill", "none"));
            }
            style.sort();
            let style = format!("{style:?}");
            let segments = |points: Vec<(i64, i64)>| -> Vec<String> {
                (points.windows(2))
                    .map(|w| format!("segment {style} {:?}-{:?}", w[0], w[1]))
                    .collect()
            };
            let get = |k: &str| tag.attrs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
            let number = |v: &str| v.parse::<i64>().unwrap();
            match tag.name {
                "polyline" => ops.extend(segments(
                    (get("points").unwrap().split_whitespace())
                        .map(|p| p.split_once(',').unwrap())
                        .map(|(x, y)| (number(x), number(y)))
                        .collect(),
                )),
                "line" => ops.extend(segments(vec![
                    (number(get("x1").unwrap()), number(get("y1").unwrap())),
                    (number(get("x2").unwrap()), number(get("y2").unwrap())),
                ])),
                "path" => {
                    // Subpaths of M, m, h, v and l, as `PathData` writes them.
                    let d = get("d").unwrap();
                    let mut subpath: Vec<(i64, i64)> = Vec::new();
                    let mut at = (0, 0);
                    let mut command = ' ';
                    let mut number_text = String::new();
                    let mut args: Vec<i64> = Vec::new();
                    let mut apply = |command: char, args: &mut Vec<i64>, sub: &mut Vec<_>| {
                        match (command, args.as_slice()) {
                            ('M', [x, y]) | ('m', [x, y]) => {
                                ops.extend(segments(std::mem::take(sub)));
                                at = match command {
                                    'M' => (*x, *y),
                                    _ => (at.0 + x, at.1 + y),
                                };
                                sub.push(at);
                            }
                            ('h', [dx]) => at.0 += dx,
                            ('v', [dy]) => at.1 += dy,
                            ('l', [dx, dy]) => at = (at.0 + dx, at.1 + dy),
                            (' ', []) => return,
                            other => panic!("unexpected path data {other:?} in {d}"),
                        }
                        if command != 'M' && command != 'm' {
                            sub.push(at);
                        }
                        args.clear();
                    };
                    for c in d.chars().chain([' ']) {
                        if c == '-' || c.is_ascii_digit() {
                            number_text.push(c);
                            continue;
                        }
                        if !number_text.is_empty() {
                            args.push(number_text.parse().unwrap());
                            number_text.clear();
                        }
                        if c.is_ascii_alphabetic() || c == ' ' && !args.is_empty() {
                            apply(command, &mut args, &mut subpath);
                            if c != ' ' {
                                command = c;
                            }
                        }
                    }
                    ops.extend(segments(subpath));
                }
                name => ops.push(format!("{name} {style} {geometry:?}")),
            }
        }
        ops
    }

    /// The classes a lightened page defines: name to declarations.
    fn classes(page: &str) -> HashMap<String, Vec<(String, String)>> {
        let sheet = &page[page.find("<style>").unwrap()..page.find("</style>").unwrap()];
        (sheet.split("svg .").skip(1))
            .map(|rule| {
                let (name, body) = rule.split_once('{').unwrap();
                let declarations = (body.trim_end_matches('}').split(';'))
                    .filter(|d| !d.is_empty())
                    .map(|d| {
                        let (k, v) = d.split_once(':').unwrap();
                        let v = match IN_PIXELS.contains(&k) {
                            true => v.trim_end_matches("px"),
                            false => v,
                        };
                        (k.to_string(), v.to_string())
                    })
                    .collect();
                (name.to_string(), declarations)
            })
            .collect()
    }

    fn markup(svg: &charts::Svg) -> String {
        serde_json::from_value(serde_json::to_value(svg).unwrap()).unwrap()
    }

    /// Charts of every kind the page draws: lines with whiskers, a dashed
    /// line and markers of every family; bars; strips of single calls.
    fn every_kind_of_chart() -> Vec<String> {
        let series = |i: usize, marker: Marker, dashed: bool| Series {
            label: format!("variant {i}"),
            style: Style {
                ink: Ink::Palette(i),
                marker,
                dashed,
            },
            points: vec![
                Point {
                    x: 1.0,
                    y: 1.0,
                    lower: Some(0.9),
                    upper: Some(1.1),
                },
                Point {
                    x: 2.0,
                    y: 1.7 + i as f64 * 0.05,
                    lower: Some(1.5),
                    upper: Some(1.9),
                },
                Point::exact(4.0, 1.2),
            ],
        };
        let markers = [
            Marker::Circle,
            Marker::Square,
            Marker::Triangle,
            Marker::Cross,
            Marker::None,
        ];
        let line = LineChart {
            title: "w: speedup over the sequential loop".to_string(),
            x_label: "threads".to_string(),
            y_label: "speedup".to_string(),
            y_format: |y| format!("{y}×"),
            panels: ["rayon", "crossbeam"]
                .map(|backend| Panel {
                    title: backend.to_string(),
                    series: (markers.iter().enumerate())
                        .map(|(i, m)| series(i, *m, i == 4))
                        .chain([Series {
                            label: "one point".to_string(),
                            style: Style {
                                ink: Ink::Reference,
                                marker: Marker::None,
                                dashed: false,
                            },
                            points: vec![Point::exact(2.0, 0.5)],
                        }])
                        .collect(),
                })
                .to_vec(),
        };
        let bars = BarChart {
            title: "w: each variant at its best thread count".to_string(),
            x_label: "time".to_string(),
            x_format: |x| format!("{x} ms"),
            bars: (0..4)
                .map(|i| Bar {
                    label: format!("variant {i}"),
                    ink: Ink::Palette(i),
                    value: 5.0 + i as f64,
                    lower: 4.0 + i as f64,
                    upper: 6.5 + i as f64,
                    note: format!("{i} threads"),
                })
                .collect(),
            legend: vec![("rayon".to_string(), Ink::Palette(0))],
        };
        let strips = StripChart {
            title: "w: single calls".to_string(),
            y_label: "time per call".to_string(),
            y_format: |y| format!("{y} µs"),
            panels: vec![StripPanel {
                title: "rayon".to_string(),
                strips: (0..2)
                    .map(|i| Strip {
                        label: format!("regime {i}"),
                        ink: Ink::Palette(i),
                        values: (0..40).map(|k| 10.0 + (k * 7 % 13) as f64).collect(),
                    })
                    .collect(),
            }],
            legend: vec![("steady".to_string(), Ink::Palette(0))],
        };
        vec![
            markup(&charts::line_chart(&line).unwrap()),
            markup(&charts::bar_chart(&bars).unwrap()),
            markup(&charts::strip_chart(&strips).unwrap()),
        ]
    }

    #[test]
    fn a_lightened_page_draws_what_plotters_drew_and_is_much_smaller() {
        let charts = every_kind_of_chart();
        let page = format!(
            "<html><head><title>t</title></head><body><p>a &lt;svg&gt; in text</p>{}</body></html>",
            charts.join("<p>between</p>")
        );
        let light = lighten(&page);
        // One sheet, in the head; the text around the charts as it was.
        assert_eq!(light.matches("<style>").count(), 1);
        assert!(light.find("<style>") < light.find("</head>"));
        assert!(light.contains("<p>a &lt;svg&gt; in text</p>"));
        assert_eq!(light.matches("<p>between</p>").count(), 2);
        let rules = classes(&light);
        let lightened: Vec<&str> = (light.split("<svg").skip(1))
            .map(|s| &s[..s.find("</svg>").unwrap()])
            .collect();
        assert_eq!(lightened.len(), charts.len());
        for (plotters, ours) in charts.iter().zip(&lightened) {
            let (before, after) = (
                drawing(plotters, &rules),
                drawing(&format!("<svg{ours}</svg>"), &rules),
            );
            assert!(before.iter().any(|op| op.starts_with("segment")));
            assert_eq!(before, after);
            assert!(
                ours.len() * 2 < plotters.len(),
                "{} of {} bytes",
                ours.len(),
                plotters.len()
            );
            assert!(!ours.contains("opacity=\"1\"") && !ours.contains("<polyline"));
        }
        // Charts share their classes: a style used by two charts is defined once.
        let definitions: Vec<&str> = light.split("svg .").skip(1).collect();
        let mut bodies: Vec<&str> = (definitions.iter())
            .map(|d| d.split_once('{').unwrap().1)
            .collect();
        let all = bodies.len();
        bodies.sort();
        bodies.dedup();
        assert_eq!(bodies.len(), all, "each style once");
        // A page without charts is left as it is; one without a head gets
        // the sheet before its first chart.
        assert_eq!(lighten("<p>no chart</p>"), "<p>no chart</p>");
        let headless = lighten(&format!("<p>x</p>{}", charts[0]));
        assert!(headless.starts_with("<p>x</p><style>"));
    }

    #[test]
    fn what_a_path_or_a_class_could_not_carry_stays_on_its_element() {
        let svg = "<svg width=\"10\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\">\n\
                   <line x1=\"0\" y1=\"0\" x2=\"5\" y2=\"5\" stroke=\"#000000\"/>\n\
                   <line x1=\"0\" y1=\"5\" x2=\"5\" y2=\"0\" stroke=\"#000000\" \
                   transform=\"rotate(90, 5, 5)\"/>\n\
                   <text x=\"1\" y=\"1\" font-family=\"a;}b\" fill=\"#000000\">\nt\n</text>\n\
                   </svg>";
        let light = lighten(svg);
        // The plain line is a path; the rotated one keeps its transform.
        assert!(
            light.contains("<path class=\"za\" d=\"M0,0l5,5\"/>"),
            "{light}"
        );
        assert!(
            light.contains("<line x1=\"0\" y1=\"5\" x2=\"5\" y2=\"0\" transform=\"rotate(90, 5, 5)\" class=\"zb\"/>"),
            "{light}"
        );
        // A font name that would end a CSS declaration stays an attribute.
        assert!(
            light.contains("font-family=\"a;}b\" class=\"zc\">t</text>"),
            "{light}"
        );
        assert!(!light[..light.find("</style>").unwrap()].contains("a;}b"));
        // The merged path's class says it does not fill.
        assert!(
            light.contains("svg .za{stroke:#000000;fill:none;}"),
            "{light}"
        );
    }
}
