//! Names the shared library by its ABI: the soname of `libfep.so` is `libfep.so.MAJOR`, so a
//! program linked against it loads any later release of the same major version (the C ABI
//! only grows within one, see docs/versioning.md), and never one of another.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    // ELF systems whose linkers take `-soname` (GNU ld, gold, lld, mold).
    let elf = matches!(
        std::env::var("CARGO_CFG_TARGET_OS").as_deref(),
        Ok("linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly")
    );
    if elf {
        let major = env!("CARGO_PKG_VERSION_MAJOR");
        println!("cargo::rustc-cdylib-link-arg=-Wl,-soname,libfep.so.{major}");
    }
}
