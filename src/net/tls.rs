//! TLS for outbound connections, terminated on the host (rustls with the Mozilla roots of
//! `webpki-roots` and the guest's `NODE_EXTRA_CA_CERTS`, or its `ca` instead). The guest reads and
//! writes the plaintext.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::kernel::net::TlsRequest;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn config(roots: RootCertStore) -> Result<ClientConfig, rustls::Error> {
    let mut c = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // The guest speaks HTTP/1.1 over the plaintext side.
    c.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(c)
}

fn webpki_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

fn default_config() -> Result<Arc<ClientConfig>, String> {
    static C: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    C.get_or_init(|| {
        config(webpki_roots())
            .map(Arc::new)
            .map_err(|e| e.to_string())
    })
    .clone()
}

/// Accepts any certificate (`rejectUnauthorized: false`).
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn config_for(req: &TlsRequest) -> Result<Arc<ClientConfig>, String> {
    if req.insecure {
        let p = provider();
        let mut c = ClientConfig::builder_with_provider(p.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(p)))
            .with_no_client_auth();
        c.alpn_protocols = vec![b"http/1.1".to_vec()];
        return Ok(Arc::new(c));
    }
    if req.ca.is_empty() {
        if req.extra_ca.is_empty() {
            return default_config();
        }
        // NODE_EXTRA_CA_CERTS: added to the default roots; what does not parse is ignored (Node
        // warns about an unreadable file, which the guest does).
        let mut roots = webpki_roots();
        for pem in &req.extra_ca {
            roots.add_parsable_certificates(
                CertificateDer::pem_slice_iter(pem.as_bytes()).filter_map(Result::ok),
            );
        }
        return config(roots).map(Arc::new).map_err(|e| e.to_string());
    }
    // Node: `ca` replaces the default roots.
    let mut roots = RootCertStore::empty();
    for pem in &req.ca {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| format!("invalid ca certificate: {e}"))?;
            roots
                .add(cert)
                .map_err(|e| format!("invalid ca certificate: {e}"))?;
        }
    }
    config(roots).map(Arc::new).map_err(|e| e.to_string())
}

/// Run the client handshake on `tcp` for `req.servername`.
pub(super) async fn connect(
    tcp: TcpStream,
    req: &TlsRequest,
) -> Result<TlsStream<TcpStream>, String> {
    let cfg = config_for(req)?;
    let name = ServerName::try_from(req.servername.clone())
        .map_err(|e| format!("invalid server name {:?}: {e}", req.servername))?;
    TlsConnector::from(cfg)
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())
}
