//! Compiles the os_log shim (`os_log_shim.c`) for Apple targets; nothing for the others.

fn main() {
    println!("cargo:rerun-if-changed=os_log_shim.c");
    if std::env::var("CARGO_CFG_TARGET_VENDOR").as_deref() == Ok("apple") {
        cc::Build::new().file("os_log_shim.c").compile("tether_os_log");
    }
}
