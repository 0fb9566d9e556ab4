//! `cargo run --example quickstart -- 127.0.0.1:50051 TOKEN`
use claude_pool_client::{Kind, PoolClient};
use futures_util::StreamExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), claude_pool_client::Error> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:50051".into());
    let client = PoolClient::connect(&addr, args.next().as_deref()).await?;

    let task = client.run("Say hello").await?;
    println!("{:?}: {}", task.state(), task.result.unwrap_or_default().output);

    let mut events = client.stream("Count to five").await?;
    while let Some(event) = events.next().await {
        if let Some(Kind::TextDelta(delta)) = event?.kind {
            print!("{}", delta.text);
        }
    }
    println!();
    Ok(())
}
