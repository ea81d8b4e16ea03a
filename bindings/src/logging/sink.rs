//! Where a finished log line goes: one `emit` per platform.

/// The tag (logcat) / subsystem (os_log) Tether's lines carry.
#[cfg(any(target_os = "android", target_vendor = "apple"))]
const TAG: &std::ffi::CStr = c"dev.tether";

#[cfg(target_os = "android")]
pub(super) use android::{emit, HAS_OWN_TIMESTAMPS};
#[cfg(target_vendor = "apple")]
pub(super) use apple::{emit, HAS_OWN_TIMESTAMPS};
#[cfg(not(any(target_os = "android", target_vendor = "apple")))]
pub(super) use stderr::{emit, HAS_OWN_TIMESTAMPS};

#[cfg(not(any(target_os = "android", target_vendor = "apple")))]
mod stderr {
    use tracing::Level;

    pub(crate) const HAS_OWN_TIMESTAMPS: bool = false;

    pub(crate) fn emit(_level: Level, line: &str) {
        eprintln!("{line}");
    }
}

/// logcat through liblog's `__android_log_write` (liblog is in every Android process).
#[cfg(target_os = "android")]
#[allow(unsafe_code)]
mod android {
    use super::TAG;
    use std::ffi::{c_char, c_int, CString};
    use tracing::Level;

    pub(crate) const HAS_OWN_TIMESTAMPS: bool = true;

    // android/log.h's priorities.
    const VERBOSE: c_int = 2;
    const DEBUG: c_int = 3;
    const INFO: c_int = 4;
    const WARN: c_int = 5;
    const ERROR: c_int = 6;

    #[link(name = "log")]
    extern "C" {
        fn __android_log_write(prio: c_int, tag: *const c_char, text: *const c_char) -> c_int;
    }

    pub(crate) fn emit(level: Level, line: &str) {
        let priority = match level {
            Level::TRACE => VERBOSE,
            Level::DEBUG => DEBUG,
            Level::INFO => INFO,
            Level::WARN => WARN,
            Level::ERROR => ERROR,
        };
        // `record.rs` removed NUL bytes, so this cannot fail; if it did, drop the line.
        let Ok(text) = CString::new(line) else { return };
        // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call;
        // liblog copies them and is thread-safe.
        unsafe {
            __android_log_write(priority, TAG.as_ptr(), text.as_ptr());
        }
    }
}

/// The unified log through a two-line C shim (`os_log_shim.c`, built by `build.rs` for Apple
/// targets only): `os_log_with_type` is a macro that needs its format string at compile time.
#[cfg(target_vendor = "apple")]
#[allow(unsafe_code)]
mod apple {
    use super::TAG;
    use std::ffi::{c_char, c_void, CString};
    use std::sync::OnceLock;
    use tracing::Level;

    pub(crate) const HAS_OWN_TIMESTAMPS: bool = true;

    // os/log.h's `os_log_type_t` values.
    const DEFAULT: u8 = 0x00;
    const INFO: u8 = 0x01;
    const DEBUG: u8 = 0x02;
    const ERROR: u8 = 0x10;

    extern "C" {
        fn os_log_create(subsystem: *const c_char, category: *const c_char) -> *mut c_void;
        fn tether_os_log(log: *mut c_void, kind: u8, message: *const c_char);
    }

    /// The `os_log_t` (an object that lives for the process; a pointer is `Send` as an address).
    fn log() -> usize {
        static LOG: OnceLock<usize> = OnceLock::new();
        // SAFETY: valid NUL-terminated strings; os_log_create never fails (it returns the
        // disabled log object at worst) and its result is never freed.
        *LOG.get_or_init(|| unsafe { os_log_create(TAG.as_ptr(), c"core".as_ptr()) as usize })
    }

    pub(crate) fn emit(level: Level, line: &str) {
        let kind = match level {
            Level::TRACE | Level::DEBUG => DEBUG,
            Level::INFO => INFO,
            Level::WARN => DEFAULT,
            Level::ERROR => ERROR,
        };
        let Ok(text) = CString::new(line) else { return };
        // SAFETY: `log()` is a live os_log_t; `text` is a valid C string for the call, which
        // copies it.
        unsafe { tether_os_log(log() as *mut c_void, kind, text.as_ptr()) }
    }
}
