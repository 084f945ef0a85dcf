// Command legacydriver is a docker-machine driver plugin written for machinehost's tests with the
// standard library only: it speaks libmachine's plugin protocol (MACHINE_PLUGIN_TOKEN=42, one
// address line, net/rpc over HTTP with gob, services RPCServerDriver and RpcServerDriver, the
// heartbeat) and registers libmachine's gob type names. Installed as
// docker-machine-driver-legacytest. Its "instances" are files in LEGACYTEST_CLOUD (default
// <StorePath>/legacytest-cloud). LEGACYTEST_MODE (comma-separated) makes it misbehave:
//   no-address      prints nothing on stdout and hangs
//   version-2       answers GetVersion with 2
//   v0              registers only the pre-0.5.1 service name RpcServerDriver
//   crash-mid-call  exits with code 3 in the middle of Create
//   no-heartbeat    Heartbeat never answers, and the plugin ignores its own heartbeat timeout
//   slow-create     Create takes 30 s (for cancellation and SIGKILL tests)
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/ioutil"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"path/filepath"
	"strings"
	"time"

	"legacyproto"
)

// States as libmachine/state numbers them (9 is rancher-machine's NotFound).
const (
	stateRunning  = 1
	stateStopped  = 4
	stateNotFound = 9
)

// Driver is the test driver's persisted config, as a libmachine driver's JSON looks.
type Driver struct {
	MachineName string
	StorePath   string
	IPAddress   string
	SSHUser     string
	SSHPort     int
	SSHKeyPath  string
	CPUs        int
	Tags        []string
	APIToken    string
	DriverLabel string
}

// Server is the RPC service: RPCServerDriver's methods over one Driver.
type Server struct {
	name      string
	mode      map[string]bool
	d         *Driver
	heartbeat chan bool
	close     chan bool
}

type none struct{}

func (s *Server) cloud() string {
	if dir := os.Getenv("LEGACYTEST_CLOUD"); dir != "" {
		return dir
	}
	return filepath.Join(s.d.StorePath, "legacytest-cloud")
}

func (s *Server) instance() string { return filepath.Join(s.cloud(), s.d.MachineName) }

func (s *Server) setState(state int) error {
	if err := os.MkdirAll(s.cloud(), 0700); err != nil {
		return err
	}
	return ioutil.WriteFile(s.instance(), []byte(fmt.Sprint(state)), 0600)
}

func (s *Server) state() int {
	b, err := ioutil.ReadFile(s.instance())
	if err != nil {
		return stateNotFound
	}
	var st int
	fmt.Sscan(string(b), &st)
	return st
}

func (s *Server) GetVersion(_ *struct{}, reply *int) error {
	*reply = 1
	if s.mode["version-2"] {
		*reply = 2
	}
	return nil
}

func (s *Server) Close(_, _ *struct{}) error {
	s.close <- true
	return nil
}

func (s *Server) Heartbeat(_, _ *struct{}) error {
	if s.mode["no-heartbeat"] {
		time.Sleep(time.Hour)
	}
	s.heartbeat <- true
	return nil
}

func (s *Server) GetConfigRaw(_ *struct{}, reply *[]byte) error {
	b, err := json.Marshal(s.d)
	*reply = b
	return err
}

func (s *Server) SetConfigRaw(data []byte, _ *struct{}) error {
	return json.Unmarshal(data, s.d)
}

func (s *Server) DriverName(_ *struct{}, reply *string) error {
	*reply = s.name
	return nil
}

func (s *Server) GetCreateFlags(_ *struct{}, reply *[]legacyproto.Flag) error {
	p := s.name + "-"
	*reply = []legacyproto.Flag{
		legacyproto.StringFlag{Name: p + "ip", Usage: "IP address of the instance", EnvVar: "LEGACYTEST_IP", Value: "127.0.0.1"},
		legacyproto.IntFlag{Name: p + "cpus", Usage: "CPUs of the instance", Value: 1},
		legacyproto.StringSliceFlag{Name: p + "tag", Usage: "a tag"},
		legacyproto.BoolFlag{Name: p + "fail-create", Usage: "make Create fail"},
		legacyproto.StringFlag{Name: p + "api-token", Usage: "a credential", EnvVar: "LEGACYTEST_API_TOKEN"},
	}
	// libmachine registers pointer types; send them as a real plugin does.
	for i, f := range *reply {
		switch v := f.(type) {
		case legacyproto.StringFlag:
			(*reply)[i] = &v
		case legacyproto.IntFlag:
			(*reply)[i] = &v
		case legacyproto.StringSliceFlag:
			(*reply)[i] = &v
		case legacyproto.BoolFlag:
			(*reply)[i] = &v
		}
	}
	return nil
}

var failCreate bool

func (s *Server) SetConfigFromFlags(opts *legacyproto.DriverOptions, _ *struct{}) error {
	o := *opts
	p := s.name + "-"
	s.d.IPAddress = o.String(p + "ip")
	s.d.CPUs = o.Int(p + "cpus")
	s.d.Tags = o.StringSlice(p + "tag")
	s.d.APIToken = o.String(p + "api-token")
	failCreate = o.Bool(p + "fail-create")
	if o.String("swarm-host") != "" || o.Bool("swarm-master") {
		return errors.New("swarm is not supported")
	}
	s.d.SSHUser = "docker"
	s.d.SSHPort = 22
	s.d.SSHKeyPath = filepath.Join(s.d.StorePath, "machines", s.d.MachineName, "id_rsa")
	s.d.DriverLabel = "cpus=" + fmt.Sprint(s.d.CPUs) + ",tags=" + strings.Join(s.d.Tags, "+")
	return nil
}

func (s *Server) PreCreateCheck(_, _ *struct{}) error {
	if s.d.CPUs < 1 {
		return fmt.Errorf("invalid CPU count %d: must be at least 1", s.d.CPUs)
	}
	return nil
}

func (s *Server) Create(_, _ *struct{}) error {
	fmt.Println("Creating instance " + s.d.MachineName + " ...")
	if s.mode["crash-mid-call"] {
		fmt.Fprintln(os.Stderr, "legacytest: simulated crash in Create")
		os.Exit(3)
	}
	if s.mode["slow-create"] {
		time.Sleep(30 * time.Second)
	}
	if failCreate {
		return errors.New("Error creating machine: the test cloud refused (fail-create)")
	}
	if err := s.setState(stateRunning); err != nil {
		return err
	}
	fmt.Println("Instance " + s.d.MachineName + " is running")
	return nil
}

func (s *Server) Remove(_, _ *struct{}) error {
	err := os.Remove(s.instance())
	if os.IsNotExist(err) {
		return nil
	}
	return err
}

func (s *Server) power(want int, verb string) error {
	if s.state() == stateNotFound {
		return fmt.Errorf("instance %s not found", s.d.MachineName)
	}
	fmt.Println(verb + " instance " + s.d.MachineName)
	return s.setState(want)
}

func (s *Server) Start(_, _ *struct{}) error   { return s.power(stateRunning, "Starting") }
func (s *Server) Stop(_, _ *struct{}) error    { return s.power(stateStopped, "Stopping") }
func (s *Server) Kill(_, _ *struct{}) error    { return s.power(stateStopped, "Killing") }
func (s *Server) Restart(_, _ *struct{}) error { return s.power(stateRunning, "Restarting") }

func (s *Server) GetState(_ *struct{}, reply *int) error {
	*reply = s.state()
	return nil
}

func (s *Server) running() error {
	if s.state() != stateRunning {
		return errors.New("Host is not running")
	}
	return nil
}

func (s *Server) GetURL(_ *struct{}, reply *string) error {
	if err := s.running(); err != nil {
		return err
	}
	*reply = "tcp://" + net.JoinHostPort(s.d.IPAddress, "2376")
	return nil
}

func (s *Server) GetIP(_ *struct{}, reply *string) error {
	if err := s.running(); err != nil {
		return err
	}
	*reply = s.d.IPAddress
	return nil
}

func (s *Server) GetIPv6(_ *struct{}, reply *string) error {
	*reply = "::1"
	return nil
}

func (s *Server) GetMachineName(_ *struct{}, reply *string) error {
	*reply = s.d.MachineName
	return nil
}

func (s *Server) GetSSHHostname(_ *struct{}, reply *string) error {
	return s.GetIP(nil, reply)
}

func (s *Server) GetSSHPort(_ *struct{}, reply *int) error {
	*reply = s.d.SSHPort
	return nil
}

func (s *Server) GetSSHUsername(_ *struct{}, reply *string) error {
	*reply = s.d.SSHUser
	return nil
}

func (s *Server) GetSSHKeyPath(_ *struct{}, reply *string) error {
	*reply = s.d.SSHKeyPath
	return nil
}

func main() {
	if os.Getenv("MACHINE_PLUGIN_TOKEN") != "42" {
		fmt.Fprintln(os.Stderr, "This is a Docker Machine plugin binary.\nPlugin binaries are not intended to be invoked directly.\nPlease use this plugin through the main 'docker-machine' binary.\n(API version: 1)")
		os.Exit(1)
	}
	name := os.Getenv("MACHINE_PLUGIN_DRIVER_NAME")
	if name == "" {
		name = "legacytest"
	}
	mode := map[string]bool{}
	for _, m := range strings.Split(os.Getenv("LEGACYTEST_MODE"), ",") {
		mode[m] = true
	}
	if mode["no-address"] {
		fmt.Fprintln(os.Stderr, "legacytest: stuck before listening")
		time.Sleep(time.Hour)
	}
	s := &Server{name: name, mode: mode, d: &Driver{}, heartbeat: make(chan bool), close: make(chan bool)}
	if !mode["v0"] {
		rpc.RegisterName("RPCServerDriver", s)
	}
	rpc.RegisterName("RpcServerDriver", s)
	rpc.HandleHTTP()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "legacytest:", err)
		os.Exit(1)
	}
	fmt.Println(l.Addr())
	go http.Serve(l, nil)
	fmt.Fprintln(os.Stderr, "legacytest: serving driver", name, "on", l.Addr())
	for {
		select {
		case <-s.close:
			os.Exit(0)
		case <-s.heartbeat:
		case <-time.After(10 * time.Second):
			if !mode["no-heartbeat"] {
				fmt.Fprintln(os.Stderr, "legacytest: no heartbeat for 10 s; exiting")
				os.Exit(1)
			}
		}
	}
}
