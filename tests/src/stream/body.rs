//! Body framing for one stream: chunked or close-delimited, optionally gzip, optionally dribbled.

use crate::plan::StreamOptions;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::borrow::Cow;
use std::io::{self, Write};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Turns payload bytes into what goes on the socket and writes them.
pub(crate) struct BodyWriter {
    chunked: bool,
    dribble: bool,
    gzip: Option<GzEncoder<Vec<u8>>>,
}

impl std::fmt::Debug for BodyWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyWriter")
            .field("chunked", &self.chunked)
            .field("dribble", &self.dribble)
            .field("gzip", &self.gzip.is_some())
            .finish()
    }
}

impl BodyWriter {
    pub(crate) fn new(options: &StreamOptions) -> Self {
        Self {
            chunked: !options.close_delimited,
            dribble: options.dribble,
            gzip: options.gzip.then(|| GzEncoder::new(Vec::new(), Compression::fast())),
        }
    }

    /// Writes `payload` (compressed and sync-flushed under gzip) so the client can act on it now.
    pub(crate) async fn write<W: AsyncWrite + Unpin>(
        &mut self,
        out: &mut W,
        payload: &[u8],
    ) -> io::Result<()> {
        let data = self.encode(payload)?;
        self.send(out, &data).await
    }

    /// Ends the body cleanly: the gzip trailer, then (chunked) the last chunk `0\r\n\r\n`.
    pub(crate) async fn finish<W: AsyncWrite + Unpin>(&mut self, out: &mut W) -> io::Result<()> {
        if let Some(gz) = self.gzip.take() {
            let trailer = gz.finish()?;
            self.send(out, &trailer).await?;
        }
        if self.chunked {
            out.write_all(b"0\r\n\r\n").await?;
        }
        out.flush().await?;
        out.shutdown().await
    }

    fn encode<'a>(&mut self, payload: &'a [u8]) -> io::Result<Cow<'a, [u8]>> {
        match &mut self.gzip {
            None => Ok(Cow::Borrowed(payload)),
            Some(gz) => {
                gz.write_all(payload)?;
                gz.flush()?; // Z_SYNC_FLUSH: everything written so far becomes decodable
                Ok(Cow::Owned(std::mem::take(gz.get_mut())))
            }
        }
    }

    async fn send<W: AsyncWrite + Unpin>(&self, out: &mut W, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(()); // an empty chunk would end a chunked body
        }
        if self.dribble {
            for byte in data {
                out.write_all(&self.frame(std::slice::from_ref(byte))).await?;
                out.flush().await?;
            }
            return Ok(());
        }
        out.write_all(&self.frame(data)).await?;
        out.flush().await
    }

    fn frame<'a>(&self, data: &'a [u8]) -> Cow<'a, [u8]> {
        if !self.chunked {
            return Cow::Borrowed(data);
        }
        let mut framed = format!("{:x}\r\n", data.len()).into_bytes();
        framed.reserve(data.len() + 2);
        framed.extend_from_slice(data);
        framed.extend_from_slice(b"\r\n");
        Cow::Owned(framed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[tokio::test]
    async fn chunked_frames_and_final_chunk() {
        let mut out = Vec::new();
        let mut body = BodyWriter::new(&StreamOptions::default());
        body.write(&mut out, b"hello").await.expect("write");
        body.write(&mut out, b"").await.expect("write");
        body.finish(&mut out).await.expect("finish");
        assert_eq!(out, b"5\r\nhello\r\n0\r\n\r\n");
    }

    #[tokio::test]
    async fn dribble_writes_one_byte_chunks() {
        let mut out = Vec::new();
        let mut body = BodyWriter::new(&StreamOptions::default().dribble());
        body.write(&mut out, b"ab").await.expect("write");
        assert_eq!(out, b"1\r\na\r\n1\r\nb\r\n");
    }

    #[tokio::test]
    async fn close_delimited_is_raw() {
        let mut out = Vec::new();
        let mut body = BodyWriter::new(&StreamOptions::default().close_delimited());
        body.write(&mut out, b"data: x\n\n").await.expect("write");
        body.finish(&mut out).await.expect("finish");
        assert_eq!(out, b"data: x\n\n");
    }

    #[tokio::test]
    async fn gzip_is_decodable_after_each_write() {
        let mut out = Vec::new();
        let mut body = BodyWriter::new(&StreamOptions::default().gzip().close_delimited());
        body.write(&mut out, b"data: one\n\n").await.expect("write");
        let mut partial = String::new();
        // A sync flush makes the first event decodable before the stream ends.
        let _ = flate2::read::GzDecoder::new(&out[..]).read_to_string(&mut partial);
        assert_eq!(partial, "data: one\n\n");
        body.write(&mut out, b"data: two\n\n").await.expect("write");
        body.finish(&mut out).await.expect("finish");
        let mut all = String::new();
        flate2::read::GzDecoder::new(&out[..]).read_to_string(&mut all).expect("complete gzip");
        assert_eq!(all, "data: one\n\ndata: two\n\n");
    }
}
