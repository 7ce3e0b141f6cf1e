// Package e2e holds kumoup's end-to-end tests: they build the kumoup binary
// once and drive it as a person would, in a real terminal.
//
// A test starts its own tmux server (`new-session -d -x 80 -y 24`) running a
// plain bash, types commands and keys with `send-keys`, and reads the screen
// with `capture-pane -p`, polling until a regular expression appears or a
// deadline passes. The SSH case runs the same through a real sshd on a
// loopback high port, with keys and authorized_keys in a temp directory.
// demo.tape (the VHS recording script at the top of the repository) is
// parsed, checked and replayed in tmux the same way.
//
// These tests need tmux, nginx and sshd (Debian: apt-get install -y tmux
// nginx openssh-server). With -short they are skipped; without it a missing
// program is a failure naming the package to install.
package e2e
