//! Generates the `acme` catalog's module from `spec/` into `$OUT_DIR/errspec`
//! (included by `src/acme.rs`): the build-script path of "Use it in your
//! crate". Spec errors fail the build with rustc-shaped diagnostics.

fn main() {
    if let Err(error) = errspec_codegen::Config::new().generate("spec") {
        // Each diagnostic line as a cargo warning, then fail.
        for line in error.to_string().lines() {
            println!("cargo:warning={line}");
        }
        std::process::exit(1);
    }
}
