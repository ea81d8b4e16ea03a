//! One log record: the formatter writes an event's text into it, and dropping it hands the
//! whole line to the platform sink in one call (logcat and os_log take a record, not a stream).

use super::sink;
use std::io;
use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// Makes one [`Record`] per event, carrying the event's level.
#[derive(Debug, Clone, Copy)]
pub(super) struct Records;

impl<'a> MakeWriter<'a> for Records {
    type Writer = Record;

    fn make_writer(&'a self) -> Record {
        Record::new(Level::INFO)
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Record {
        Record::new(*meta.level())
    }
}

#[derive(Debug)]
pub(super) struct Record {
    level: Level,
    text: Vec<u8>,
}

impl Record {
    fn new(level: Level) -> Self {
        Self { level, text: Vec::with_capacity(128) }
    }

    /// The line as the sink gets it: without the formatter's trailing newline, and with any
    /// NUL byte (impossible in a C string) replaced.
    fn line(&self) -> String {
        let text = String::from_utf8_lossy(&self.text);
        text.trim_end_matches('\n').replace('\0', "\u{FFFD}")
    }
}

impl io::Write for Record {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.text.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        if !self.text.is_empty() {
            sink::emit(self.level, &self.line());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_record_is_one_line_without_newline_or_nul() {
        let mut record = Records.make_writer();
        record.write_all(b"tether_core: conn").expect("write");
        record.write_all(b"ected\0 to origin\n").expect("write");
        assert_eq!(record.line(), "tether_core: connected\u{FFFD} to origin");
        assert_eq!(record.level, Level::INFO);
        record.text.clear(); // nothing to emit from a unit test
    }
}
