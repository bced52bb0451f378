//! A section's output: its text (tables and notes) and its rows of the
//! summary table.

/// What a section prints, and what it adds to the summary.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Markdown: the section's heading, notes and tables.
    pub text: String,
    /// Summary rows: figure, value, target.
    pub summary: Vec<Vec<String>>,
}

impl Report {
    /// Adds a summary row.
    pub fn figure(&mut self, figure: impl Into<String>, value: impl Into<String>, target: &str) {
        self.summary
            .push(vec![figure.into(), value.into(), target.to_owned()]);
    }
}
