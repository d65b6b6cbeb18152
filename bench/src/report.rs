//! Percentiles, and the table every scenario prints (figure, value, target), in Markdown so
//! it can be pasted into BENCHMARKS.md as it is.

use std::time::Duration;

/// One printed table.
pub struct Table {
    title: String,
    rows: Vec<[String; 3]>,
}

impl Table {
    /// An empty table with a title.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, figure: impl Into<String>, value: impl Into<String>, target: &str) {
        self.rows
            .push([figure.into(), value.into(), target.to_owned()]);
    }

    /// Prints the table to standard output.
    pub fn print(&self) {
        println!();
        println!("### {}", self.title);
        println!();
        println!("| figure | value | target |");
        println!("|---|---:|---|");
        for [figure, value, target] in &self.rows {
            println!("| {figure} | {value} | {target} |");
        }
        println!();
    }
}

/// The table of a comparison: each figure for clubsync-server and for the reference
/// automerge-repo sync server, their ratio, and the target.
pub struct CompareTable {
    title: String,
    rows: Vec<[String; 5]>,
}

/// Which way a figure is better, for its ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Less is better (time, memory): the ratio is reference / clubsync.
    Lower,
    /// More is better (throughput): the ratio is clubsync / reference.
    Higher,
    /// No ratio (counts, figures that only explain others).
    Neither,
}

impl CompareTable {
    /// An empty table with a title.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    /// Adds a row from two measured values (either may be missing: a server not run); the
    /// ratio says how many times better clubsync is (above 1: better).
    pub fn row<T: Shown>(
        &mut self,
        figure: impl Into<String>,
        (clubsync, reference): (Option<T>, Option<T>),
        better: Better,
        target: impl Into<String>,
    ) {
        let ratio = match (&clubsync, &reference, better) {
            (Some(c), Some(r), Better::Lower) => ratio(r.value() / c.value()),
            (Some(c), Some(r), Better::Higher) => ratio(c.value() / r.value()),
            _ => String::new(),
        };
        let cell = |v: &Option<T>| v.as_ref().map(T::show).unwrap_or_else(|| "not run".into());
        self.rows.push([
            figure.into(),
            cell(&clubsync),
            cell(&reference),
            ratio,
            target.into(),
        ]);
    }

    /// Adds a row of text cells.
    pub fn text(
        &mut self,
        figure: impl Into<String>,
        clubsync: impl Into<String>,
        reference: impl Into<String>,
        target: impl Into<String>,
    ) {
        self.rows.push([
            figure.into(),
            clubsync.into(),
            reference.into(),
            String::new(),
            target.into(),
        ]);
    }

    /// Prints the table to standard output.
    pub fn print(&self) {
        println!();
        println!("### {}", self.title);
        println!();
        println!(
            "(ratio: how many times better clubsync is; reference / clubsync for times and \
             memory. Above 1: clubsync is better.)"
        );
        println!();
        println!("| figure | clubsync | reference | ratio | target |");
        println!("|---|---:|---:|---:|---|");
        for [figure, clubsync, reference, ratio, target] in &self.rows {
            println!("| {figure} | {clubsync} | {reference} | {ratio} | {target} |");
        }
        println!();
    }
}

/// A ratio for the table.
fn ratio(r: f64) -> String {
    if r.is_finite() {
        format!("{r:.2}x")
    } else {
        "n/a".into()
    }
}

/// A measured value that a [`CompareTable`] can show and divide.
pub trait Shown {
    /// As shown in the table.
    fn show(&self) -> String;
    /// As a number, for the ratio.
    fn value(&self) -> f64;
}

/// A time: milliseconds under 10 s, seconds above.
impl Shown for Duration {
    fn show(&self) -> String {
        if *self < Duration::from_secs(10) {
            ms(*self)
        } else {
            secs(*self)
        }
    }
    fn value(&self) -> f64 {
        self.as_secs_f64()
    }
}

/// A number of bytes, shown as KiB or MiB.
#[derive(Clone, Copy, Debug)]
pub struct Bytes(pub f64);

impl Shown for Bytes {
    fn show(&self) -> String {
        bytes(self.0)
    }
    fn value(&self) -> f64 {
        self.0
    }
}

/// A count or a rate, shown with `.1` decimals when not whole.
#[derive(Clone, Copy, Debug)]
pub struct Number(pub f64);

impl Shown for Number {
    fn show(&self) -> String {
        if self.0.fract() == 0.0 && self.0.abs() < 1e15 {
            format!("{}", self.0 as i64)
        } else {
            format!("{:.2}", self.0)
        }
    }
    fn value(&self) -> f64 {
        self.0
    }
}

/// A duration in seconds with two decimals.
pub fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The `p`-th percentile (0 to 100) of sorted samples, by nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A duration in milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Bytes as KiB or MiB.
pub fn bytes(b: f64) -> String {
    if b.abs() >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", b / 1024.0)
    }
}

/// Whether a figure meets its target, for the table.
pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&samples, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&samples[..1], 99.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }
}
