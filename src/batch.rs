//! Reading many checklists at once: parsed on every core, handed over in
//! the order given, with only a few in memory at a time (a fleet is
//! thousands of files of megabytes each).

use crate::source::{self, LoadedChecklist};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

/// Loads `paths` on `workers` threads and calls `each` with every result,
/// in path order. Stops at the first error `each` returns; a file that
/// cannot be read is passed to `each` as its `Err`.
pub fn for_each_checklist<E>(
    paths: &[PathBuf],
    workers: usize,
    each: impl FnMut(usize, Result<LoadedChecklist, source::Error>) -> Result<(), E>,
) -> Result<(), E> {
    for_each_mapped(paths, workers, |_, loaded| loaded, each)
}

/// As [`for_each_checklist`], but `map` turns each loaded file into what
/// `each` needs on the worker thread, so the heavy part (and dropping the
/// checklist) runs in parallel too.
pub fn for_each_mapped<T: Send, E>(
    paths: &[PathBuf],
    workers: usize,
    map: impl Fn(usize, Result<LoadedChecklist, source::Error>) -> T + Sync,
    each: impl FnMut(usize, T) -> Result<(), E>,
) -> Result<(), E> {
    for_each_path(
        paths,
        workers,
        |i, path, buf| map(i, source::load_checklist_with(path, buf)),
        each,
    )
}

/// The scheduler under both: `map` gets each path (and a buffer its worker
/// reuses for file bytes) on a worker thread; `each` gets the results in
/// path order. For work that needs more than a parsed checklist, such as
/// `lint`, which also reads the raw bytes.
pub fn for_each_path<T: Send, E>(
    paths: &[PathBuf],
    workers: usize,
    map: impl Fn(usize, &Path, &mut Vec<u8>) -> T + Sync,
    mut each: impl FnMut(usize, T) -> Result<(), E>,
) -> Result<(), E> {
    let workers = workers.clamp(1, paths.len().max(1));
    // How far ahead of the consumer a worker may read: bounds memory when
    // an early file is slow.
    let window = 2 * workers;
    let next = AtomicUsize::new(0);
    let consumed = Mutex::new(0usize);
    let advanced = Condvar::new();
    let stop = std::sync::atomic::AtomicBool::new(false);
    // Whatever way the consumer leaves (an error, or a panic in `each`),
    // waiting workers are released, or the scope would wait for ever.
    // The flag is set under the lock workers wait with, so none can miss it.
    struct Release<'a>(
        &'a std::sync::atomic::AtomicBool,
        &'a Mutex<usize>,
        &'a Condvar,
    );
    impl Drop for Release<'_> {
        fn drop(&mut self) {
            let _held = self.1.lock().unwrap_or_else(|e| e.into_inner());
            self.0.store(true, Ordering::Relaxed);
            self.2.notify_all();
        }
    }
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<(usize, T)>(window);
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, consumed, advanced, stop, map) = (&next, &consumed, &advanced, &stop, &map);
            scope.spawn(move || {
                let mut buf = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= paths.len() {
                        break;
                    }
                    {
                        let mut done = consumed.lock().unwrap_or_else(|e| e.into_inner());
                        while i >= *done + window && !stop.load(Ordering::Relaxed) {
                            done = advanced.wait(done).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let item = map(i, &paths[i], &mut buf);
                    if tx.send((i, item)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let _release = Release(&stop, &consumed, &advanced);
        let mut pending = BTreeMap::new();
        let mut want = 0;
        let mut outcome = Ok(());
        for (i, loaded) in rx.iter() {
            pending.insert(i, loaded);
            while let Some(loaded) = pending.remove(&want) {
                if outcome.is_ok() {
                    outcome = each(want, loaded);
                }
                want += 1;
                *consumed.lock().unwrap_or_else(|e| e.into_inner()) = want;
                advanced.notify_all();
            }
            if outcome.is_err() {
                break;
            }
        }
        drop(rx);
        outcome
    })
}

/// Worker threads for parsing: one per core.
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arrive_in_order_and_errors_stop_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for i in 0..9 {
            let p = dir.path().join(format!("{i}.ckl"));
            std::fs::write(
                &p,
                if i == 6 {
                    "not xml"
                } else {
                    "<CHECKLIST><STIGS></STIGS></CHECKLIST>"
                },
            )
            .unwrap();
            paths.push(p);
        }
        let mut seen = Vec::new();
        let r = for_each_checklist(&paths, 3, |i, loaded| {
            seen.push(i);
            loaded.map(|_| ()).map_err(|e| e.to_string())
        });
        assert_eq!(seen, vec![0, 1, 2, 3, 4, 5, 6]);
        assert!(r.unwrap_err().contains("6.ckl"));
    }

    /// A consumer that panics (as `eprintln!` does on a closed stderr)
    /// must not leave workers waiting for it: the panic comes back out.
    #[test]
    fn a_panicking_consumer_does_not_hang_the_workers() {
        let paths: Vec<PathBuf> = (0..64).map(|i| PathBuf::from(format!("{i}"))).collect();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let r = std::panic::catch_unwind(|| {
                for_each_path(
                    &paths,
                    2,
                    |i, _, _| i,
                    |i, _| -> Result<(), ()> {
                        assert!(i < 1, "consumer gave up");
                        Ok(())
                    },
                )
            });
            let _ = tx.send(r.is_err());
        });
        let panicked = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("workers still waiting 20 s after the consumer panicked");
        assert!(panicked);
    }
}
