use std::env::var;
use std::io::Write;

use claude_pool_client::Client;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The server, a token, and the CA that signed the server's certificate. A server that
    // requires mutual TLS also wants a client certificate and its key.
    let mut builder = Client::builder(var("CLAUDE_POOL_ADDR")?)
        .token(var("CLAUDE_POOL_TOKEN")?)
        .tls_ca_pem(std::fs::read(var("CLAUDE_POOL_CA")?)?);
    if let (Ok(cert), Ok(key)) = (var("CLAUDE_POOL_CERT"), var("CLAUDE_POOL_KEY")) {
        builder = builder.tls_identity(std::fs::read(cert)?, std::fs::read(key)?);
    }
    let client = builder.connect().await?;

    // Run a prompt and print its text as it streams in.
    let mut events = client.run_stream("Write a haiku about tide pools").await?;
    while let Some(event) = events.message().await? {
        if let Some(text) = event.text() {
            print!("{text}");
            std::io::stdout().flush()?;
        }
        if let Some(task) = event.finished_task() {
            println!("\n[{:?}]", task.state());
        }
    }
    Ok(())
}
