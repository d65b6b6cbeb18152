//! The limits a session enforces on what a peer may send, so no peer can exhaust the other.

/// Limits on one connection. Breaking one is a typed [`crate::ProtocolError`], never a panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest frame accepted, in bytes. A first sync of a big document arrives as one frame,
    /// so this bounds the largest document a peer can upload in one go.
    pub max_frame_bytes: usize,
    /// How many documents one connection may sync (or ask for) at once.
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 32 * 1024 * 1024,
            max_documents: 10_000,
        }
    }
}
