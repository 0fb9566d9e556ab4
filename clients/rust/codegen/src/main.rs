//! Generates the prost messages and the tonic client for claude_pool.v1.
//!
//! Usage: claude-pool-codegen <proto root> <out dir>. Called by ../generate.sh.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(proto_root), Some(out_dir)) = (args.next(), args.next()) else {
        return Err("usage: claude-pool-codegen <proto root> <out dir>".into());
    };
    let proto_root = PathBuf::from(proto_root);
    let mut files: Vec<PathBuf> = std::fs::read_dir(proto_root.join("claude_pool/v1"))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|ext| ext == "proto"));
    files.sort();

    // protoc and the well-known-type includes come from the pinned protoc-bin-vendored crate.
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let wkt_include = protoc_bin_vendored::include_path()?;
    // SAFETY: single-threaded program; prost-build reads PROTOC from the environment.
    unsafe { std::env::set_var("PROTOC", protoc) };

    tonic_prost_build::configure()
        .build_server(false)
        .build_transport(false)
        .out_dir(out_dir)
        .emit_rerun_if_changed(false)
        .compile_protos(&files, &[proto_root, wkt_include])?;
    Ok(())
}
