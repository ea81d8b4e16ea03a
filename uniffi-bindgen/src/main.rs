//! `uniffi-bindgen` at the workspace's pinned UniFFI version. Library mode only:
//! `uniffi-bindgen generate target/debug/libtether_ffi.so --language kotlin --out-dir DIR`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
