//! Charts as inline SVG (no script, no inline style: sizes are SVG attributes,
//! colours CSS classes). Every chart sits next to, or inside, a table with
//! the same numbers as text, and the SVG itself is hidden from assistive
//! technology where the table says it all.

use maud::{html, Markup};

use crate::view::ExplainTerm;

/// Width of a horizontal bar at full scale, in SVG units.
const BAR_W: f64 = 200.0;

/// Formats a float for an SVG attribute (finite, two decimals).
pub(crate) fn f2(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "0".to_string()
    }
}

/// A signed weight as people read it (`+1.25`, `−0.50`).
pub(crate) fn signed(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v < 0.0 {
        format!("\u{2212}{:.2}", -v)
    } else {
        format!("+{v:.2}")
    }
}

/// One horizontal bar scaled against `max`, hidden from screen readers (the
/// number is in the neighbouring cell).
pub(crate) fn hbar(value: u64, max: u64, class: &str) -> Markup {
    let w = if max == 0 {
        0.0
    } else {
        BAR_W * (value as f64) / (max as f64)
    };
    html! {
        svg class="bar" width=(BAR_W) height="14" viewBox=(format!("0 0 {BAR_W} 14")) aria-hidden="true" focusable="false" {
            rect class=(class) x="0" y="1" width=(f2(w)) height="12" {}
        }
    }
}

/// A table of labelled counts with a bar per row: the text is the chart's
/// accessible equivalent, the bars a visual aid.
pub(crate) fn count_table(caption: &str, label_header: &str, rows: &[(&str, u64)]) -> Markup {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0);
    html! {
        table class="chart" {
            caption { (caption) }
            thead {
                tr {
                    th scope="col" { (label_header) }
                    th scope="col" class="num" { "Count" }
                    th scope="col" { span class="muted" { "Bar" } }
                }
            }
            tbody {
                @for (label, count) in rows {
                    tr {
                        th scope="row" { code { (label) } }
                        td class="num" { (count) }
                        td { (hbar(*count, max, "bar-fill")) }
                    }
                }
            }
        }
    }
}

/// Three outcome counts as one stacked bar, hidden from screen readers (the
/// counts are in the row's cells).
pub(crate) fn outcome_bar(confirmed: u64, not_confirmed: u64, rejected: u64, max: u64) -> Markup {
    let scale = |v: u64| {
        if max == 0 {
            0.0
        } else {
            BAR_W * (v as f64) / (max as f64)
        }
    };
    let (a, b, c) = (scale(confirmed), scale(not_confirmed), scale(rejected));
    html! {
        svg class="bar" width=(BAR_W) height="14" viewBox=(format!("0 0 {BAR_W} 14")) aria-hidden="true" focusable="false" {
            rect class="confirmed" x="0" y="1" width=(f2(a)) height="12" {}
            rect class="not-confirmed" x=(f2(a)) y="1" width=(f2(b)) height="12" {}
            rect class="rejected" x=(f2(a + b)) y="1" width=(f2(c)) height="12" {}
        }
    }
}

fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

/// The running sums of a waterfall: after the prior, after each term.
pub(crate) fn running_sums(prior: f64, terms: &[ExplainTerm]) -> Vec<f64> {
    let mut run = finite(prior);
    let mut out = Vec::with_capacity(terms.len());
    for t in terms {
        run += finite(t.weight);
        out.push(run);
    }
    out
}

/// The match-weight waterfall: the prior, one bar per term from the running
/// sum (up green, down red, each labelled with an arrow and its signed
/// value), the total, and the confirm threshold as a dashed line. Every bar
/// has a `<title>`; the table after it carries the same numbers.
pub(crate) fn waterfall(prior: f64, terms: &[ExplainTerm], total: f64, threshold: f64) -> Markup {
    const LEFT: f64 = 56.0;
    const TOP: f64 = 24.0;
    const PLOT_H: f64 = 220.0;
    const STEP: f64 = 76.0;
    const BAR: f64 = 52.0;
    const BOTTOM: f64 = 44.0;

    let prior = finite(prior);
    let total = finite(total);
    let threshold = finite(threshold);
    let sums = running_sums(prior, terms);
    let mut lo = 0.0_f64.min(prior).min(total).min(threshold);
    let mut hi = 0.0_f64.max(prior).max(total).max(threshold);
    for s in &sums {
        lo = lo.min(*s);
        hi = hi.max(*s);
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.08;
    let (lo, hi) = (lo - pad, hi + pad);
    let y = |v: f64| TOP + (hi - v) / (hi - lo) * PLOT_H;
    let bars = terms.len() + 2;
    let width = LEFT + STEP * bars as f64 + 16.0;
    let height = TOP + PLOT_H + BOTTOM;
    let x = |i: usize| LEFT + 12.0 + STEP * i as f64;
    let zero = y(0.0);
    let rect = |from: f64, to: f64| {
        let (a, b) = (y(from), y(to));
        let top = a.min(b);
        let h = (a - b).abs().max(1.0);
        (top, h)
    };
    let computed = sums.last().copied().unwrap_or(prior);
    let (prior_top, prior_h) = rect(0.0, prior);
    let (total_top, total_h) = rect(0.0, total);
    let summary = format!(
        "Waterfall: prior {}, {} terms, total {} against a confirm threshold of {}.",
        signed(prior),
        terms.len(),
        signed(total),
        signed(threshold)
    );
    html! {
        div class="scroll" {
            svg class="waterfall" id="waterfall" role="img" aria-labelledby="waterfall-title"
                width=(f2(width)) height=(f2(height)) viewBox=(format!("0 0 {} {}", f2(width), f2(height)))
                data-prior=(prior) data-total=(total) data-sum=(computed) data-threshold=(threshold) data-terms=(terms.len()) {
                title id="waterfall-title" { (summary) }
                line class="axis" x1=(f2(LEFT)) x2=(f2(width - 8.0)) y1=(f2(zero)) y2=(f2(zero)) {}
                text x=(f2(LEFT - 6.0)) y=(f2(zero + 4.0)) text-anchor="end" { "0" }
                g class="prior" data-running=(prior) {
                    title { "Prior: " (signed(prior)) }
                    rect class="neutral" x=(f2(x(0))) y=(f2(prior_top)) width=(f2(BAR)) height=(f2(prior_h)) {}
                    text x=(f2(x(0) + BAR / 2.0)) y=(f2(if prior >= 0.0 { prior_top - 4.0 } else { prior_top + prior_h + 12.0 })) text-anchor="middle" { (signed(prior)) }
                    text x=(f2(x(0) + BAR / 2.0)) y=(f2(TOP + PLOT_H + 16.0)) text-anchor="middle" { "prior" }
                }
                @for (i, t) in terms.iter().enumerate() {
                    @let w = finite(t.weight);
                    @let before = if i == 0 { prior } else { sums[i - 1] };
                    @let after = sums[i];
                    @let (top, h) = rect(before, after);
                    @let up = w >= 0.0;
                    g class="term" data-field=(t.field) data-level=(t.level) data-weight=(w) data-running=(after) {
                        title { (t.field) " = " (t.level) ": " (signed(t.weight)) ", running sum " (signed(after)) }
                        line class="connector" x1=(f2(x(i) + BAR)) x2=(f2(x(i + 1))) y1=(f2(y(before))) y2=(f2(y(before))) {}
                        rect class=(if up { "up" } else { "down" }) x=(f2(x(i + 1))) y=(f2(top)) width=(f2(BAR)) height=(f2(h)) {}
                        text x=(f2(x(i + 1) + BAR / 2.0)) y=(f2(if up { top - 4.0 } else { top + h + 12.0 })) text-anchor="middle" {
                            (if up { "\u{25B2} " } else { "\u{25BC} " }) (signed(t.weight))
                        }
                        text x=(f2(x(i + 1) + BAR / 2.0)) y=(f2(TOP + PLOT_H + 16.0)) text-anchor="middle" { (short(&t.field)) }
                        text x=(f2(x(i + 1) + BAR / 2.0)) y=(f2(TOP + PLOT_H + 30.0)) text-anchor="middle" class="muted" { (short(&t.level)) }
                    }
                }
                g class="total" data-running=(total) {
                    title { "Total: " (signed(total)) }
                    rect class="neutral" x=(f2(x(bars - 1))) y=(f2(total_top)) width=(f2(BAR)) height=(f2(total_h)) {}
                    text x=(f2(x(bars - 1) + BAR / 2.0)) y=(f2(if total >= 0.0 { total_top - 4.0 } else { total_top + total_h + 12.0 })) text-anchor="middle" { (signed(total)) }
                    text x=(f2(x(bars - 1) + BAR / 2.0)) y=(f2(TOP + PLOT_H + 16.0)) text-anchor="middle" { "total" }
                }
                g class="threshold-mark" {
                    title { "Confirm threshold: " (signed(threshold)) }
                    line class="threshold" x1=(f2(LEFT)) x2=(f2(width - 8.0)) y1=(f2(y(threshold))) y2=(f2(y(threshold))) {}
                    text x=(f2(LEFT - 6.0)) y=(f2(y(threshold) + 4.0)) text-anchor="end" { "thr " (f2(threshold)) }
                }
            }
        }
    }
}

/// A label short enough for a bar's foot (the full text is in the title and the table).
fn short(s: &str) -> String {
    const MAX: usize = 10;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX - 1).collect();
        t.push('\u{2026}');
        t
    }
}
