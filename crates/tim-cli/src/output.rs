//! Printing conversation lists: an aligned table for people, JSON documents and JSON lines for
//! programs.

use std::io::{self, Write};

use tim_proto::ListCursor as Cursor;
use tim_proto::recent_contact::SessionItem;

/// How `tim contacts list` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// An aligned table (the default on a terminal).
    Table,
    /// One JSON document: the conversations, the cursor and whether the list is complete.
    Json,
    /// One conversation a line, with the wire field names exactly as the service returns them
    /// (the default when stdout is not a terminal).
    Jsonl,
}

/// Streams pages to stdout in one format. `finish` prints what comes after the last page.
pub(crate) struct Printer<W: Write> {
    out: W,
    format: Format,
    from: String,
    /// Only `Format::Json` holds items (it prints one document at the end).
    held: Vec<SessionItem>,
    count: u64,
    header_done: bool,
}

impl<W: Write> Printer<W> {
    pub(crate) fn new(out: W, format: Format, from: &str) -> Self {
        Printer {
            out,
            format,
            from: from.to_owned(),
            held: Vec::new(),
            count: 0,
            header_done: false,
        }
    }

    /// Prints (or, for JSON, holds) one page of conversations.
    pub(crate) fn page(&mut self, items: &[SessionItem]) -> io::Result<()> {
        self.count += items.len() as u64;
        match self.format {
            Format::Json => {
                self.held.extend_from_slice(items);
            }
            Format::Jsonl => {
                for item in items {
                    serde_json::to_writer(&mut self.out, item)?;
                    self.out.write_all(b"\n")?;
                }
            }
            Format::Table => {
                if !self.header_done {
                    writeln!(
                        self.out,
                        "{:<6} {:<6} {:<20} PEER",
                        "TYPE", "PINNED", "MSG TIME (UTC)"
                    )?;
                    self.header_done = true;
                }
                for item in items {
                    let kind = match item {
                        SessionItem::C2c(_) => "c2c".to_owned(),
                        SessionItem::Group(_) => "group".to_owned(),
                        other => format!(
                            "type{}",
                            other.session_type().map_or("?".into(), |t| t.to_string())
                        ),
                    };
                    let pinned = if item.is_pinned() { "yes" } else { "" };
                    let time = item.msg_time().map_or_else(|| "-".to_owned(), utc);
                    // Ids come from the service: control characters are shown escaped, never sent
                    // to the terminal.
                    let peer: String = item
                        .peer_id()
                        .unwrap_or("-")
                        .chars()
                        .flat_map(|c| {
                            let escaped: Vec<char> = if c.is_control() {
                                c.escape_default().collect()
                            } else {
                                vec![c]
                            };
                            escaped
                        })
                        .collect();
                    writeln!(self.out, "{kind:<6} {pinned:<6} {time:<20} {peer}")?;
                }
            }
        }
        self.out.flush()
    }

    /// Prints the end: the JSON document, or the table's summary line. For `jsonl`, the resume
    /// hint goes to stderr so that stdout stays pure JSON lines.
    pub(crate) fn finish(mut self, next: Option<Cursor>) -> io::Result<()> {
        match self.format {
            Format::Json => {
                // A struct, not a `Value`: fields keep their order, items their wire order.
                #[derive(serde::Serialize)]
                struct Document<'a> {
                    #[serde(rename = "From_Account")]
                    from_account: &'a str,
                    #[serde(rename = "SessionItem")]
                    session_item: &'a [SessionItem],
                    #[serde(rename = "CompleteFlag")]
                    complete_flag: u8,
                    #[serde(rename = "Cursor")]
                    cursor: Option<String>,
                }
                let doc = Document {
                    from_account: &self.from,
                    session_item: &self.held,
                    complete_flag: u8::from(next.is_none()),
                    cursor: next.map(|c| c.to_string()),
                };
                serde_json::to_writer_pretty(&mut self.out, &doc)?;
                writeln!(self.out)?;
            }
            Format::Table => {
                if !self.header_done {
                    writeln!(self.out, "(no conversations on this page)")?;
                }
                match next {
                    None => writeln!(
                        self.out,
                        "{} conversations; the list is complete",
                        self.count
                    )?,
                    Some(c) => writeln!(
                        self.out,
                        "{} conversations; more remain: resume with --cursor {c}",
                        self.count
                    )?,
                }
            }
            Format::Jsonl => {
                if let Some(c) = next {
                    crate::error::say(&format!(
                        "more conversations remain: resume with --cursor {c}"
                    ));
                }
            }
        }
        self.out.flush()
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` in UTC (civil-from-days, Howard Hinnant's algorithm).
pub(crate) fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn items() -> Vec<SessionItem> {
        serde_json::from_str(
            r#"[{"Type":1,"To_Account":"bob","MsgTime":1630997627,"TopFlag":1},
                {"Type":2,"GroupId":"@TGS#1","MsgTime":0,"TopFlag":0,"CustomMark":"x"},
                {"Type":9,"Other":true}]"#,
        )
        .expect("valid items")
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(1_630_997_627), "2021-09-07 06:53:47");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00");
    }

    #[test]
    fn table_is_aligned_and_says_how_to_resume() {
        let mut out = Vec::new();
        let mut p = Printer::new(&mut out, Format::Table, "alice");
        p.page(&items()).expect("write");
        p.finish(Some("v1.1.2.3.4".parse().expect("cursor")))
            .expect("write");
        let text = String::from_utf8(out).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "TYPE   PINNED MSG TIME (UTC)       PEER");
        assert_eq!(lines[1], "c2c    yes    2021-09-07 06:53:47  bob");
        assert_eq!(lines[2], "group         1970-01-01 00:00:00  @TGS#1");
        assert_eq!(lines[3], "type9         -                    -");
        assert_eq!(
            lines[4],
            "3 conversations; more remain: resume with --cursor v1.1.2.3.4"
        );
    }

    #[test]
    fn control_characters_in_ids_are_escaped_in_the_table() {
        let items: Vec<SessionItem> = serde_json::from_str(
            r#"[{"Type":1,"To_Account":"evil\u001b[2Jx","MsgTime":0,"TopFlag":0}]"#,
        )
        .expect("valid");
        let mut out = Vec::new();
        let mut p = Printer::new(&mut out, Format::Table, "alice");
        p.page(&items).expect("write");
        let text = String::from_utf8(out).expect("utf8");
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("evil\\u{1b}[2Jx"), "{text}");
    }

    #[test]
    fn json_keeps_the_wire_field_order() {
        let mut out = Vec::new();
        let mut p = Printer::new(&mut out, Format::Json, "alice");
        p.page(&items()).expect("write");
        p.finish(None).expect("write");
        let text = String::from_utf8(out).expect("utf8");
        let at = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{needle} in {text}"))
        };
        assert!(at("From_Account") < at("SessionItem") && at("SessionItem") < at("CompleteFlag"));
        assert!(
            at("\"Type\": 1") < at("\"To_Account\"")
                && at("\"To_Account\"") < at("\"MsgTime\": 1630997627")
        );
    }

    #[test]
    fn jsonl_writes_wire_names_and_unknown_fields() {
        let mut out = Vec::new();
        let mut p = Printer::new(&mut out, Format::Jsonl, "alice");
        p.page(&items()).expect("write");
        p.finish(None).expect("write");
        let lines: Vec<Value> = String::from_utf8(out)
            .expect("utf8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(
            lines[0],
            json!({"Type":1,"To_Account":"bob","MsgTime":1630997627,"TopFlag":1})
        );
        assert_eq!(lines[1]["CustomMark"], "x");
        assert_eq!(lines[2], json!({"Type":9,"Other":true}));
    }

    #[test]
    fn json_is_one_document() {
        let mut out = Vec::new();
        let mut p = Printer::new(&mut out, Format::Json, "alice");
        p.page(&items()).expect("write");
        p.finish(None).expect("write");
        let doc: Value = serde_json::from_slice(&out).expect("one document");
        assert_eq!(doc["From_Account"], "alice");
        assert_eq!(doc["CompleteFlag"], 1);
        assert_eq!(doc["Cursor"], Value::Null);
        assert_eq!(doc["SessionItem"].as_array().map(Vec::len), Some(3));
    }
}
