package promtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/kumoup/kumoup/internal/capbuf"
	"github.com/kumoup/kumoup/internal/childproc"
)

// Binaries, as Debian installs them (packages prometheus and
// prometheus-node-exporter).
const (
	PrometheusBinary   = "/usr/bin/prometheus"
	NodeExporterBinary = "/usr/bin/prometheus-node-exporter"
)

// outputLimit bounds what is kept of a child's output.
const outputLimit = 1 << 20

// process is one child started by this package.
type process struct {
	cmd    *exec.Cmd
	out    *capbuf.Buffer
	exited chan struct{}
	once   sync.Once
}

func start(bin string, args ...string) (*process, error) {
	if _, err := os.Stat(bin); err != nil {
		pkg := "prometheus"
		if bin == NodeExporterBinary {
			pkg = "prometheus-node-exporter"
		}
		return nil, fmt.Errorf("promtest: %s: %w (apt-get install %s)", bin, err, pkg)
	}
	p := &process{out: capbuf.New(outputLimit), exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	// The child dies with the test binary if that is killed.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("promtest: start %s: %w", bin, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	return p, nil
}

// stop ends this process (by its own handle) and waits for it.
func (p *process) stop() {
	p.once.Do(func() {
		_, _ = childproc.Stop(p.cmd.Process, p.exited, syscall.SIGTERM, 10*time.Second)
	})
}

// waitHTTP polls url until it answers 200; when the process exits first,
// or timeout passes or ctx ends, it stops the process and says why.
func (p *process) waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := p.pollHTTP(ctx, url)
	if err != nil {
		p.stop()
	}
	return err
}

func (p *process) pollHTTP(ctx context.Context, url string) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.exited:
			return fmt.Errorf("promtest: %s exited: %s", filepath.Base(p.cmd.Path), p.out.String())
		case <-ctx.Done():
			return fmt.Errorf("promtest: %s not ready at %s: %w\n%s", filepath.Base(p.cmd.Path), url, ctx.Err(), p.out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("promtest: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// NodeExporter is a running node_exporter with only its textfile collector.
type NodeExporter struct {
	// Addr is its 127.0.0.1:port.
	Addr string
	// Dir is its textfile directory.
	Dir string
	p   *process
}

// StartNodeExporter runs node_exporter serving the *.prom files in dir
// (its textfile collector alone) and returns once it answers.
func StartNodeExporter(ctx context.Context, dir string) (*NodeExporter, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := start(NodeExporterBinary, "--collector.disable-defaults", "--collector.textfile",
		"--collector.textfile.directory="+dir, "--web.listen-address="+addr)
	if err != nil {
		return nil, err
	}
	if err := p.waitHTTP(ctx, "http://"+addr+"/metrics", 15*time.Second); err != nil {
		return nil, err
	}
	return &NodeExporter{Addr: addr, Dir: dir, p: p}, nil
}

// Stop ends node_exporter.
func (n *NodeExporter) Stop() { n.p.stop() }

// Prometheus is a running Prometheus server.
type Prometheus struct {
	// URL is its base URL, http://127.0.0.1:port.
	URL string
	// API queries it.
	API v1.API
	// ConfigFile is the prometheus.yml it runs with.
	ConfigFile string
	p          *process
}

// StartPrometheus writes config to dir/prometheus.yml and runs Prometheus
// with it, its storage in dir/data, on a free loopback port; it returns
// once Prometheus is ready.
//
// names resolve to 127.0.0.1 for Prometheus alone: it runs in its own
// mount namespace (unshare -m) where a hosts file of dir's is bind-mounted
// over /etc/hosts, so it scrapes the loopback sites by their names (TLS
// name and Host header as in production) and the machine's /etc/hosts is
// never touched.
func StartPrometheus(ctx context.Context, dir string, config []byte, names ...string) (*Prometheus, error) {
	cfgFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, config, 0o644); err != nil {
		return nil, fmt.Errorf("promtest: write %s: %w", cfgFile, err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := []string{PrometheusBinary, "--config.file=" + cfgFile, "--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr, "--log.level=warn"}
	bin := PrometheusBinary
	if len(names) > 0 {
		hosts := filepath.Join(dir, "hosts")
		content := "127.0.0.1 localhost\n::1 localhost\n127.0.0.1 " + strings.Join(names, " ") + "\n"
		if err := os.WriteFile(hosts, []byte(content), 0o644); err != nil {
			return nil, fmt.Errorf("promtest: write %s: %w", hosts, err)
		}
		if _, err := os.Stat(PrometheusBinary); err != nil {
			return nil, fmt.Errorf("promtest: %s: %w (apt-get install prometheus)", PrometheusBinary, err)
		}
		// unshare execs sh, which execs Prometheus: one process, ours.
		bin = "/usr/bin/unshare"
		args = append([]string{"-m", "--propagation", "private", "/bin/sh", "-c", `mount --bind "$0" /etc/hosts && exec "$@"`, hosts}, args...)
	} else {
		args = args[1:]
	}
	p, err := start(bin, args...)
	if err != nil {
		return nil, err
	}
	if err := p.waitHTTP(ctx, "http://"+addr+"/-/ready", 30*time.Second); err != nil {
		return nil, err
	}
	client, err := promapi.NewClient(promapi.Config{Address: "http://" + addr})
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("promtest: API client: %w", err)
	}
	return &Prometheus{URL: "http://" + addr, API: v1.NewAPI(client), ConfigFile: cfgFile, p: p}, nil
}

// Stop ends Prometheus.
func (p *Prometheus) Stop() { p.p.stop() }

// Log is what Prometheus printed so far.
func (p *Prometheus) Log() string { return p.p.out.String() }

// WaitFor evaluates query until it returns at least n series, and returns
// them; on timeout the error holds the last answer and the targets' health.
func (p *Prometheus) WaitFor(ctx context.Context, query string, n int) (model.Vector, error) {
	var last string
	for {
		v, _, _, err := p.API.Query(ctx, query, time.Now())
		if err == nil {
			if vec, ok := v.(model.Vector); ok && len(vec) >= n {
				return vec, nil
			}
			last = v.String()
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("promtest: %s: fewer than %d series before %v; last answer: %s; targets: %s", query, n, ctx.Err(), last, p.targets())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// targets summarises the active targets' health and last errors.
func (p *Prometheus) targets() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t, err := p.API.Targets(ctx)
	if err != nil {
		return err.Error()
	}
	var b bytes.Buffer
	for _, a := range t.Active {
		fmt.Fprintf(&b, "[%s %s %s %q] ", a.Labels["job"], a.Labels["instance"], a.Health, a.LastError)
	}
	return b.String()
}
