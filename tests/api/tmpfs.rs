//! A small file system of a test's own (a tmpfs), which the test fills up
//! and makes read-only, as a real disk fills or a volume turns read-only.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounting needs root (CAP_SYS_ADMIN). Where this process may not mount,
    /// the reason is printed and `None` returned, unless
    /// `MADOGUCHI_REQUIRE_MOUNT=1` (which `.ci/run` sets): then it fails.
    pub fn mount(bytes: u64) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let size = format!("size={bytes}");
        let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", &size, "tmpfs"]).arg(dir.path()).output();
        match mounted {
            Ok(output) if output.status.success() => Some(Self { dir }),
            other => {
                let why = match other {
                    Ok(output) => String::from_utf8_lossy(&output.stderr).into_owned(),
                    Err(error) => error.to_string(),
                };
                assert!(
                    std::env::var("MADOGUCHI_REQUIRE_MOUNT").is_err(),
                    "cannot mount a tmpfs for the disk-fault test: {why}"
                );
                eprintln!("not run: mounting a tmpfs needs root ({why}); .ci/run runs it");
                None
            }
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Makes the folder and every file in it immutable (or writable again):
    /// even root cannot open them for writing, as with a volume attached
    /// read-only or a restore with the wrong owner. Files already open for
    /// writing stay writable, as on a real system.
    pub fn set_read_only(&self, read_only: bool) {
        let flag = if read_only { "+i" } else { "-i" };
        let mut paths: Vec<PathBuf> =
            std::fs::read_dir(self.path()).unwrap().map(|entry| entry.unwrap().path()).collect();
        paths.push(self.path().to_path_buf());
        let status = Command::new("chattr").arg(flag).args(&paths).status().unwrap();
        assert!(status.success(), "chattr {flag} failed");
    }

    /// Writes a file until the file system is full; returns its path.
    pub fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0_u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        // The last partial chunk: fill the remaining bytes too.
        while file.write_all(&chunk[..512]).is_ok() {}
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        self.set_read_only(false);
        // Lazy: the application may still hold files open.
        let _ = Command::new("umount").arg("-l").arg(self.path()).status();
    }
}
