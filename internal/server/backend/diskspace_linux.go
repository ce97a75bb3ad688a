//go:build linux

package backend

import "syscall"

// freeBytes is the space on the file system of dir that an unprivileged writer may still use (statfs's
// f_bavail), and whether it could be read.
func freeBytes(dir string) (int64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return int64(st.Bavail) * int64(st.Bsize), true
}
