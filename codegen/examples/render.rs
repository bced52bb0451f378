//! Prints the diagnostics for a spec file.
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let f = errspec_codegen::source::SourceFile::new(
        path.clone(),
        std::fs::read_to_string(&path).unwrap(),
    );
    match errspec_codegen::load_catalog(&f) {
        Ok(l) => print!("ok\n{}", l.warnings.render(&f)),
        Err(d) => print!("{}", d.render(&f)),
    }
}
