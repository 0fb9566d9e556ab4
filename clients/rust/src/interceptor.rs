//! What is added to every outgoing call: the bearer token, then the caller's own interceptors
//! (metadata, logging, tracing), in the order they were registered.

use std::fmt;
use std::sync::Arc;

use tonic::metadata::AsciiMetadataValue;
use tonic::service::Interceptor;
use tonic::{Request, Status};

/// A caller's interceptor: sees (and may change or refuse) every call's metadata and extensions
/// before it is sent. Refusing returns its `Status` as the call's error without sending anything.
pub type InterceptorFn = Arc<dyn Fn(Request<()>) -> Result<Request<()>, Status> + Send + Sync>;

/// The tonic [`Interceptor`] of a [`Client`](crate::Client): token plus caller interceptors.
#[derive(Clone, Default)]
pub struct Hooks {
    authorization: Option<AsciiMetadataValue>,
    interceptors: Vec<InterceptorFn>,
}

impl Hooks {
    pub(crate) fn new(
        authorization: Option<AsciiMetadataValue>,
        interceptors: Vec<InterceptorFn>,
    ) -> Self {
        Hooks { authorization, interceptors }
    }

    /// The same hooks without the token: health checks need none (CONFORMANCE.md §1).
    pub(crate) fn without_token(&self) -> Self {
        Hooks { authorization: None, interceptors: self.interceptors.clone() }
    }
}

impl Interceptor for Hooks {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.authorization {
            request.metadata_mut().insert("authorization", value.clone());
        }
        for interceptor in &self.interceptors {
            request = interceptor(request)?;
        }
        Ok(request)
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("token", &self.authorization.as_ref().map(|_| "<redacted>"))
            .field("interceptors", &self.interceptors.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_then_interceptors_in_order() {
        let first: InterceptorFn = Arc::new(|mut r: Request<()>| {
            r.metadata_mut().insert("x-order", "first".parse().unwrap());
            Ok(r)
        });
        let second: InterceptorFn = Arc::new(|mut r: Request<()>| {
            let before = r.metadata().get("x-order").unwrap().to_str().unwrap().to_owned();
            r.metadata_mut().insert("x-order", format!("{before},second").parse().unwrap());
            Ok(r)
        });
        let mut hooks = Hooks::new(Some("Bearer t".parse().unwrap()), vec![first, second]);
        let request = hooks.call(Request::new(())).unwrap();
        assert_eq!(request.metadata().get("authorization").unwrap(), "Bearer t");
        assert_eq!(request.metadata().get("x-order").unwrap(), "first,second");

        let request = hooks.without_token().call(Request::new(())).unwrap();
        assert!(request.metadata().get("authorization").is_none());
        assert!(!format!("{hooks:?}").contains("Bearer"), "the token never shows in Debug");
    }

    #[test]
    fn an_interceptor_can_refuse_a_call() {
        let refuse: InterceptorFn = Arc::new(|_| Err(Status::permission_denied("not today")));
        let mut hooks = Hooks::new(None, vec![refuse]);
        assert_eq!(hooks.call(Request::new(())).unwrap_err().code(), tonic::Code::PermissionDenied);
    }
}
