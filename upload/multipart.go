package upload

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"os"
)

// bulkBody is the multipart/form-data body of one upload: the envelope around the file is built
// in memory and the file is streamed between, so the request has an exact Content-Length
// (gateways and proxies that dislike chunked uploads are happy) without holding the file in
// memory.
type bulkBody struct {
	contentType string
	length      int64
	io.Reader
	file *os.File
}

// Close closes the file; the HTTP transport closes the body when it is done with it.
func (b *bulkBody) Close() error { return b.file.Close() }

// openBulkBody opens path and wraps it in the one-part envelope the OCA API expects: field
// "data", filename "<uuid>.txt", part type text/plain. It is called once per attempt, so every
// attempt reads the file from the start.
func openBulkBody(assetUUID, path string) (*bulkBody, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	head, foot, contentType, err := multipartEnvelope(assetUUID)
	if err != nil {
		f.Close()
		return nil, err
	}
	size := st.Size()
	return &bulkBody{
		contentType: contentType,
		length:      int64(len(head)) + size + int64(len(foot)),
		// LimitReader keeps the body at the announced length if the file grows meanwhile.
		Reader: io.MultiReader(bytes.NewReader(head), io.LimitReader(f, size), bytes.NewReader(foot)),
		file:   f,
	}, nil
}

// multipartEnvelope returns the bytes before and after the file content and the request's
// Content-Type, as mime/multipart writes them for a single file part.
func multipartEnvelope(assetUUID string) (head, foot []byte, contentType string, err error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := make(textproto.MIMEHeader)
	// assetUUID is validated hex and dashes, so it needs no quoting in the filename.
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="data"; filename="%s.txt"`, assetUUID))
	h.Set("Content-Type", "text/plain")
	if _, err := mw.CreatePart(h); err != nil {
		return nil, nil, "", err
	}
	head = bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := mw.Close(); err != nil {
		return nil, nil, "", err
	}
	return head, bytes.Clone(buf.Bytes()), mw.FormDataContentType(), nil
}
