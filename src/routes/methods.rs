//! Which methods each path takes, read once from the OpenAPI document (so
//! it cannot drift from the routes): a request with the wrong method gets
//! 405 with `Allow` rather than 404, and HEAD is answered wherever GET is.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

pub struct RouteMethods {
    routes: Vec<(Vec<Segment>, Vec<Method>)>,
}

enum Segment {
    Literal(String),
    Parameter,
}

impl RouteMethods {
    pub fn from_document(document: &utoipa::openapi::OpenApi) -> Self {
        let routes = document
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = split(template)
                    .map(|part| match part.starts_with('{') {
                        true => Segment::Parameter,
                        false => Segment::Literal(part.to_owned()),
                    })
                    .collect();
                let methods = [
                    (item.get.is_some(), Method::GET),
                    (item.post.is_some(), Method::POST),
                    (item.put.is_some(), Method::PUT),
                    (item.patch.is_some(), Method::PATCH),
                    (item.delete.is_some(), Method::DELETE),
                ]
                .into_iter()
                .filter_map(|(served, method)| served.then_some(method))
                .collect();
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods `path` is served with, HEAD included where GET is;
    /// `None` when no route has this path.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let parts: Vec<&str> = split(path).collect();
        let mut allowed: Vec<Method> = Vec::new();
        let mut found = false;
        for (segments, methods) in &self.routes {
            let matches = segments.len() == parts.len()
                && segments.iter().zip(&parts).all(|(segment, part)| match segment {
                    Segment::Literal(literal) => literal == part,
                    Segment::Parameter => !part.is_empty(),
                });
            if matches {
                found = true;
                for method in methods {
                    if !allowed.contains(method) {
                        allowed.push(method.clone());
                    }
                }
            }
        }
        if allowed.contains(&Method::GET) {
            allowed.push(Method::HEAD);
        }
        found.then_some(allowed)
    }
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.trim_end_matches('/').split('/').filter(|part| !part.is_empty())
}

/// `Allow: GET, HEAD, POST`.
pub fn allow_header(methods: &[Method]) -> String {
    methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ")
}

/// HEAD is routed as GET. The HTTP layer remembers that the request was a
/// HEAD: it sends the GET answer's headers, `Content-Length` included, and
/// leaves out its body.
pub async fn serve_head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_their_templates_and_list_their_methods() {
        let document = crate::routes::docs::document();
        let routes = RouteMethods::from_document(&document);
        let case = format!("/api/v1/cases/{}", uuid::Uuid::new_v4());
        assert_eq!(routes.allowed(&case), Some(vec![Method::GET, Method::HEAD]));
        let cases = routes.allowed("/api/v1/cases").unwrap();
        assert!(cases.contains(&Method::GET) && cases.contains(&Method::POST) && cases.contains(&Method::HEAD));
        assert_eq!(routes.allowed("/api/v1/auth/login"), Some(vec![Method::POST]));
        assert_eq!(routes.allowed("/api/v1/no-such-thing"), None);
        assert_eq!(routes.allowed("/api/v1/cases/x/y/z/w"), None);
    }
}
