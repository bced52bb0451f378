errspec::catalog!("spec/broken.yaml");

fn main() {}
