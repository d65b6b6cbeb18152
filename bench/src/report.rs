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
