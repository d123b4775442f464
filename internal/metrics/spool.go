package metrics

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/oca-collector/collector/upload"
)

// SpoolStats counts the bulk files waiting in spoolDir (<asset_uuid>.txt; metadata and
// temporary files are not counted) and their bytes. It only reads: opening the spool through
// upload.OpenSpool would create it and clean it, which a metrics scrape has no business doing.
// A spool that does not exist yet is empty.
func SpoolStats(spoolDir string) (files int, bytes int64, err error) {
	des, err := os.ReadDir(spoolDir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("spool stats: %w", err)
	}
	for _, de := range des {
		uuid, ok := strings.CutSuffix(de.Name(), ".txt")
		if !ok || !upload.ValidAssetUUID(uuid) || !de.Type().IsRegular() {
			continue
		}
		info, err := de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // uploaded and removed while we listed
		}
		if err != nil {
			return 0, 0, fmt.Errorf("spool stats: %w", err)
		}
		files++
		bytes += info.Size()
	}
	return files, bytes, nil
}
