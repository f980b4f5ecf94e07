//! A dataset on disk: each capture's records as Parquet files, Hive-partitioned
//! (`TABLE/date=YYYY-MM-DD/capture=NAME/part-N.parquet`), written as the analysis finishes
//! them (row groups flushed as they fill, a new file after [`FILE_ROW_GROUPS`] of them), with
//! a manifest of what was ingested.
//!
//! A file is written under a hidden temporary name and renamed when whole, and a capture is
//! in the manifest only once all its files are renamed: a crashed run leaves no half-written
//! file a reader would take (readers skip names that start with `.` or `_`), and the capture is
//! ingested again next time. A capture whose path, size and modification time are in the
//! manifest is skipped.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};

use crate::tables::{date_of, Rows, Table, BATCH_ROWS, TABLES};
use crate::Error;
use voipscope_analysis::{Options, Record, RecordSink, Summary};
use voipscope_wire::timefmt::TimeBase;

/// Rows per Parquet row group at most, large enough for column statistics to prune well.
pub const ROW_GROUP_ROWS: usize = 65_536;
/// A table's row group is closed and written once its buffered pages pass this size, whatever
/// its rows: the six writers of a capture hold this much each at most, however wide the rows.
pub const ROW_GROUP_BYTES: usize = 4 << 20;
/// Row groups per file: a writer keeps every row group's metadata until its file is closed,
/// so a long capture is written as several files, and what is held stays bounded.
pub const FILE_ROW_GROUPS: usize = 32;
/// The manifest, under a directory readers skip.
const MANIFEST: &str = "_voipscope/manifest.json";

/// One ingested capture, as the manifest keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ingested {
    /// The path it was read from, as given.
    pub path: String,
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
    /// Its `date` partition.
    pub date: String,
    /// Rows written per table.
    pub rows: BTreeMap<String, u64>,
}

/// What the dataset holds: capture name -> what was ingested.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub captures: BTreeMap<String, Ingested>,
}

impl Manifest {
    pub fn read(dataset: &Path) -> Result<Manifest, Error> {
        match fs::read(dataset.join(MANIFEST)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| Error::Dataset(format!("{}: {e}", dataset.join(MANIFEST).display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => Err(Error::Io(dataset.join(MANIFEST), e)),
        }
    }

    /// Writes the manifest whole, under a temporary name renamed into place.
    pub fn write(&self, dataset: &Path) -> Result<(), Error> {
        let path = dataset.join(MANIFEST);
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| Error::Dataset(e.to_string()))?;
        write_atomically(&path, &bytes)
    }
}

/// What ingesting one capture did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Written {
        name: String,
        rows: BTreeMap<String, u64>,
    },
    /// In the manifest with the same path, size and modification time.
    Unchanged {
        name: String,
    },
    Failed(String),
}

/// The capture's name in the dataset: its file name, with characters a path partition
/// cannot hold replaced.
pub fn capture_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map_or_else(|| "stdin".to_string(), |n| n.to_string_lossy().into_owned());
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn fingerprint(path: &Path) -> Option<(u64, i64)> {
    let meta = fs::metadata(path).ok()?;
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some((meta.len(), mtime.as_nanos() as i64))
}

/// Makes the dataset's directories (a table with no rows yet is still a table).
pub fn create(dataset: &Path) -> Result<(), Error> {
    for t in TABLES {
        let dir = dataset.join(t.name());
        fs::create_dir_all(&dir).map_err(|e| Error::Io(dir, e))?;
    }
    let dir = dataset.join("_voipscope");
    fs::create_dir_all(&dir).map_err(|e| Error::Io(dir, e))
}

/// Ingests `captures` one after the other into `dataset` (the analysis of each uses the
/// threads of `opts`); `force` writes unchanged captures again. `done` hears of each.
pub fn ingest(
    captures: &[PathBuf],
    dataset: &Path,
    opts: &Options,
    force: bool,
    done: &mut dyn FnMut(&Path, &Outcome),
) -> Result<Vec<Outcome>, Error> {
    create(dataset)?;
    let mut manifest = Manifest::read(dataset)?;
    let mut outcomes = Vec::new();
    for path in captures {
        let known = manifest.captures.get(&capture_name(path));
        let (outcome, ingested) = ingest_capture(path, dataset, known, opts, force);
        if let (Outcome::Written { name, .. }, Some(ingested)) = (&outcome, ingested) {
            manifest.captures.insert(name.clone(), ingested);
            manifest.write(dataset)?;
        }
        done(path, &outcome);
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Ingests one capture into `dataset` unless `known`, its manifest entry, says it is there
/// and unchanged (and `force` is not given); gives what happened and, when written, the
/// capture's new manifest entry. The manifest itself is left to the caller, so that several
/// processes may ingest captures into one dataset and one of them write the manifest.
pub fn ingest_capture(
    path: &Path,
    dataset: &Path,
    known: Option<&Ingested>,
    opts: &Options,
    force: bool,
) -> (Outcome, Option<Ingested>) {
    let name = capture_name(path);
    let print = path.to_string_lossy().into_owned();
    let fp = fingerprint(path);
    let unchanged = known.is_some_and(|m| {
        fp == Some((m.size, m.mtime_ns))
            && m.path == print
            && partition_dir(dataset, Table::Captures, &m.date, &name)
                .join("part-0.parquet")
                .is_file()
    });
    if unchanged && !force {
        return (Outcome::Unchanged { name }, None);
    }
    match ingest_one(path, &name, dataset, opts) {
        Ok((date, rows)) => {
            let (size, mtime_ns) = fp.unwrap_or((0, 0));
            let ingested = Ingested {
                path: print,
                size,
                mtime_ns,
                date,
                rows: rows.clone(),
            };
            (Outcome::Written { name, rows }, Some(ingested))
        }
        Err(e) => (Outcome::Failed(format!("{}: {e}", path.display())), None),
    }
}

fn partition_dir(dataset: &Path, t: Table, date: &str, capture: &str) -> PathBuf {
    dataset
        .join(t.name())
        .join(format!("date={date}"))
        .join(format!("capture={capture}"))
}

/// Analyzes one capture into its partition files; gives its date and rows per table.
fn ingest_one(
    path: &Path,
    name: &str,
    dataset: &Path,
    opts: &Options,
) -> Result<(String, BTreeMap<String, u64>), Error> {
    ingest_into(path, ParquetSink::new(dataset, name)?, opts)
}

fn ingest_into(
    path: &Path,
    mut sink: ParquetSink,
    opts: &Options,
) -> Result<(String, BTreeMap<String, u64>), Error> {
    let file = path.to_string_lossy().into_owned();
    let run = voipscope_analysis::analyze_into(&file, opts, &mut sink, &mut |_| {});
    if let Err(e) = run {
        sink.abandon();
        return Err(Error::Analysis(e.to_string()));
    }
    sink.publish()
}

/// A table's file being written, under its temporary name.
struct Part {
    writer: ArrowWriter<fs::File>,
    tmp: PathBuf,
}

/// A table's files of this capture: the one being written, those already closed (still under
/// their temporary names), and the rows of all.
struct TableFiles {
    open: Option<Part>,
    closed: Vec<PathBuf>,
    rows: u64,
}

/// Starts a table's `index`th file of the capture, under its temporary name.
fn open_part(t: Table, dir: &Path, index: usize, row_group_rows: usize) -> Result<Part, Error> {
    fs::create_dir_all(dir).map_err(|e| Error::Io(dir.to_path_buf(), e))?;
    let tmp = dir.join(format!(".{}.{}.tmp", part_name(index), unique()));
    let file = fs::File::create(&tmp).map_err(|e| Error::Io(tmp.clone(), e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(row_group_rows))
        .build();
    let writer = ArrowWriter::try_new(file, t.schema(), Some(props)).map_err(Error::Parquet)?;
    Ok(Part { writer, tmp })
}

/// The name a table's `index`th file of a capture gets once it is whole.
fn part_name(index: usize) -> String {
    format!("part-{index}.parquet")
}

/// Writes one capture's records as Parquet, table by table, as they come.
pub struct ParquetSink {
    dataset: PathBuf,
    name: String,
    row_group_rows: usize,
    file_row_groups: usize,
    rows: Rows,
    date: Option<String>,
    files: BTreeMap<&'static str, TableFiles>,
}

impl ParquetSink {
    pub fn new(dataset: &Path, name: &str) -> Result<ParquetSink, Error> {
        Ok(ParquetSink {
            dataset: dataset.to_path_buf(),
            name: name.to_string(),
            row_group_rows: ROW_GROUP_ROWS,
            file_row_groups: FILE_ROW_GROUPS,
            rows: Rows::new(&TABLES).map_err(Error::Arrow)?,
            date: None,
            files: BTreeMap::new(),
        })
    }

    /// Rows per row group and row groups per file (tests make them small to see them
    /// flushed and files rolled).
    pub fn with_row_groups(mut self, rows: usize, per_file: usize) -> ParquetSink {
        self.row_group_rows = rows.max(1);
        self.file_row_groups = per_file.max(1);
        self
    }

    fn date(&self) -> String {
        self.date.clone().unwrap_or_else(|| "unknown".into())
    }

    fn write_batches(&mut self, min_rows: usize) -> Result<(), Error> {
        let batches = self.rows.ready(min_rows).map_err(Error::Arrow)?;
        let date = self.date();
        for (t, batch) in batches {
            let dir = partition_dir(&self.dataset, t, &date, &self.name);
            let files = self.files.entry(t.name()).or_insert(TableFiles {
                open: None,
                closed: Vec::new(),
                rows: 0,
            });
            files.rows += batch.num_rows() as u64;
            // written in pieces that end where a row group does, so that a file closes after
            // exactly its row groups
            let mut offset = 0;
            while offset < batch.num_rows() {
                let open = match files.open.take() {
                    Some(p) => p,
                    None => open_part(t, &dir, files.closed.len(), self.row_group_rows)?,
                };
                let room = self.row_group_rows - open.writer.in_progress_rows();
                let len = room.min(batch.num_rows() - offset);
                let mut part = open;
                part.writer
                    .write(&batch.slice(offset, len))
                    .map_err(Error::Parquet)?;
                offset += len;
                if part.writer.in_progress_rows() > 0
                    && part.writer.memory_size() >= ROW_GROUP_BYTES
                {
                    part.writer.flush().map_err(Error::Parquet)?;
                }
                if part.writer.flushed_row_groups().len() >= self.file_row_groups {
                    part.writer.close().map_err(Error::Parquet)?;
                    files.closed.push(part.tmp);
                } else {
                    files.open = Some(part);
                }
            }
        }
        Ok(())
    }

    /// Deletes what was written (the analysis failed).
    fn abandon(self) {
        for (_, files) in self.files {
            for tmp in files.closed {
                let _ = fs::remove_file(&tmp);
            }
            if let Some(p) = files.open {
                drop(p.writer);
                let _ = fs::remove_file(&p.tmp);
            }
        }
    }

    /// Closes every file, replaces the capture's earlier partitions, and renames the files
    /// into place.
    fn publish(mut self) -> Result<(String, BTreeMap<String, u64>), Error> {
        let date = self.date();
        let mut written = Vec::new();
        let mut rows = BTreeMap::new();
        for t in TABLES {
            rows.insert(t.name().to_string(), 0);
        }
        for (table, mut files) in std::mem::take(&mut self.files) {
            if let Some(p) = files.open.take() {
                p.writer.close().map_err(Error::Parquet)?;
                files.closed.push(p.tmp);
            }
            rows.insert(table.to_string(), files.rows);
            for (index, tmp) in files.closed.into_iter().enumerate() {
                written.push((tmp, part_name(index)));
            }
        }
        // the capture's files from an earlier ingest, whatever date they had
        for t in TABLES {
            let Ok(dates) = fs::read_dir(self.dataset.join(t.name())) else {
                continue;
            };
            for d in dates.flatten() {
                let old = d.path().join(format!("capture={}", self.name));
                let Ok(entries) = fs::read_dir(&old) else {
                    continue;
                };
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if name.starts_with("part-") && name.ends_with(".parquet") {
                        let file = e.path();
                        fs::remove_file(&file).map_err(|e| Error::Io(file.clone(), e))?;
                    }
                }
            }
        }
        for (tmp, name) in written {
            let to = tmp.with_file_name(name);
            fs::rename(&tmp, &to).map_err(|e| Error::Io(to.clone(), e))?;
        }
        Ok((date, rows))
    }
}

impl RecordSink for ParquetSink {
    fn start(&mut self, base: TimeBase) -> std::io::Result<()> {
        self.date = Some(date_of(Some(base.base_ns)));
        self.rows.start(base);
        Ok(())
    }

    fn record(&mut self, record: Record) -> std::io::Result<()> {
        self.rows.record(&record).map_err(std::io::Error::other)?;
        self.write_batches(BATCH_ROWS)
            .map_err(std::io::Error::other)
    }

    fn finish(&mut self, summary: Summary) -> std::io::Result<()> {
        if self.date.is_none() {
            self.date = Some(date_of(summary.capture.first_ts_ns));
        }
        self.rows.capture(&summary).map_err(std::io::Error::other)?;
        self.write_batches(0).map_err(std::io::Error::other)
    }
}

/// A name part no other writer uses at the same time, on this host or another sharing the
/// dataset (a process id alone repeats across hosts).
pub fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}-{now}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let tmp = path.with_extension(format!("{}.tmp", unique()));
    fs::write(&tmp, bytes).map_err(|e| Error::Io(tmp.clone(), e))?;
    fs::rename(&tmp, path).map_err(|e| Error::Io(path.to_path_buf(), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    fn scenario(dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(format!("{name}.pcap"));
        voipscope_testkit::scenario::write(name, fs::File::create(&path).unwrap()).unwrap();
        path
    }

    fn opts() -> Options {
        Options {
            without_plot_series: true,
            ..Options::default()
        }
    }

    /// Every file under `dir`, as paths relative to it, sorted.
    fn files(dir: &Path) -> Vec<String> {
        fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
            for e in fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, base, out);
                } else {
                    out.push(p.strip_prefix(base).unwrap().display().to_string());
                }
            }
        }
        let mut v = Vec::new();
        walk(dir, dir, &mut v);
        v.sort();
        v
    }

    fn parquet_rows(path: &Path) -> (i64, usize) {
        let reader = SerializedFileReader::new(fs::File::open(path).unwrap()).unwrap();
        let meta = reader.metadata();
        (meta.file_metadata().num_rows(), meta.num_row_groups())
    }

    #[test]
    fn a_capture_is_written_in_partitions_then_skipped_while_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let cap = scenario(tmp.path(), "invite-407");
        let ds = tmp.path().join("ds");
        let first = ingest(
            std::slice::from_ref(&cap),
            &ds,
            &opts(),
            false,
            &mut |_, _| {},
        )
        .unwrap();
        let Outcome::Written { name, rows } = &first[0] else {
            panic!("{first:?}")
        };
        assert_eq!(name, "invite-407.pcap");
        assert_eq!(rows["calls"], 1);
        assert_eq!(rows["captures"], 1);
        assert_eq!(rows["messages"], 10);
        let written = files(&ds);
        assert!(written
            .contains(&"calls/date=2025-01-01/capture=invite-407.pcap/part-0.parquet".to_string()));
        assert!(written.contains(&"_voipscope/manifest.json".to_string()));
        assert!(!written.iter().any(|f| f.ends_with(".tmp")), "{written:?}");
        let messages = ds.join("messages/date=2025-01-01/capture=invite-407.pcap/part-0.parquet");
        assert_eq!(parquet_rows(&messages).0, 10);

        let again = ingest(
            std::slice::from_ref(&cap),
            &ds,
            &opts(),
            false,
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!(
            again,
            vec![Outcome::Unchanged {
                name: "invite-407.pcap".into()
            }]
        );
        // forced: written again in place of the old files, not beside them
        let forced = ingest(
            std::slice::from_ref(&cap),
            &ds,
            &opts(),
            true,
            &mut |_, _| {},
        )
        .unwrap();
        assert!(matches!(forced[0], Outcome::Written { .. }));
        assert_eq!(files(&ds), written);
        // a changed capture is not unchanged: written again
        let other = tmp.path().join("other.pcap");
        voipscope_testkit::scenario::write("busy", fs::File::create(&other).unwrap()).unwrap();
        fs::copy(&other, &cap).unwrap();
        let changed = ingest(&[cap], &ds, &opts(), false, &mut |_, _| {}).unwrap();
        let Outcome::Written { rows, .. } = &changed[0] else {
            panic!("{changed:?}")
        };
        assert_eq!(rows["messages"], 4, "the busy call's messages");
        assert_eq!(parquet_rows(&messages).0, 4);
        let manifest = Manifest::read(&ds).unwrap();
        assert_eq!(manifest.captures["invite-407.pcap"].rows["messages"], 4);
    }

    #[test]
    fn a_capture_that_cannot_be_read_leaves_no_file_and_no_manifest_entry() {
        let tmp = tempfile::tempdir().unwrap();
        let good = scenario(tmp.path(), "busy");
        let bad = tmp.path().join("bad.pcap");
        fs::write(&bad, b"this is not a capture at all, just words").unwrap();
        let ds = tmp.path().join("ds");
        let out = ingest(&[bad, good], &ds, &opts(), false, &mut |_, _| {}).unwrap();
        assert!(
            matches!(&out[0], Outcome::Failed(e) if e.contains("bad.pcap")),
            "{out:?}"
        );
        assert!(matches!(&out[1], Outcome::Written { .. }), "{out:?}");
        let written = files(&ds);
        assert!(
            !written.iter().any(|f| f.contains("bad.pcap")),
            "{written:?}"
        );
        assert!(!written.iter().any(|f| f.ends_with(".tmp")), "{written:?}");
        let manifest = Manifest::read(&ds).unwrap();
        assert_eq!(
            manifest.captures.keys().collect::<Vec<_>>(),
            vec!["busy.pcap"]
        );
    }

    #[test]
    fn row_groups_are_flushed_as_they_fill_and_files_roll_over() {
        let tmp = tempfile::tempdir().unwrap();
        let cap = scenario(tmp.path(), "blind-transfer");
        let ds = tmp.path().join("ds");
        create(&ds).unwrap();
        let sink = ParquetSink::new(&ds, "blind-transfer.pcap")
            .unwrap()
            .with_row_groups(3, 1000);
        let (date, rows) = ingest_into(&cap, sink, &opts()).unwrap();
        assert_eq!(rows["messages"], 20);
        let dir = partition_dir(&ds, Table::Messages, &date, "blind-transfer.pcap");
        assert_eq!(
            parquet_rows(&dir.join("part-0.parquet")),
            (20, 7),
            "20 rows in groups of 3"
        );
        // two row groups a file: 20 rows in 4 files, numbered in order
        let sink = ParquetSink::new(&ds, "blind-transfer.pcap")
            .unwrap()
            .with_row_groups(3, 2);
        ingest_into(&cap, sink, &opts()).unwrap();
        let mut names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "part-0.parquet",
                "part-1.parquet",
                "part-2.parquet",
                "part-3.parquet"
            ]
        );
        let per_file: Vec<(i64, usize)> =
            names.iter().map(|n| parquet_rows(&dir.join(n))).collect();
        assert_eq!(per_file, [(6, 2), (6, 2), (6, 2), (2, 1)]);
        // written again with one file: the three others are gone, not left beside it
        let sink = ParquetSink::new(&ds, "blind-transfer.pcap").unwrap();
        ingest_into(&cap, sink, &opts()).unwrap();
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
    }

    #[test]
    fn capture_names_keep_to_characters_a_partition_path_holds() {
        assert_eq!(
            capture_name(Path::new("/x/night 05/a=b?.pcap.gz")),
            "a_b_.pcap.gz"
        );
        assert_eq!(
            capture_name(Path::new("trunk-1_x+y.pcapng")),
            "trunk-1_x+y.pcapng"
        );
    }
}
