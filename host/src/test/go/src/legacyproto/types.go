// Package legacyproto declares the types docker-machine's legacy plugin protocol carries, with
// the Go type names and gob registration names libmachine uses (libmachine/mcnflag and
// libmachine/drivers/rpc), so that gob streams are the ones a libmachine binary sends.
package legacyproto

import "encoding/gob"

// Flag is mcnflag.Flag.
type Flag interface {
	String() string
	Default() interface{}
}

// StringFlag is mcnflag.StringFlag.
type StringFlag struct {
	Name   string
	Usage  string
	EnvVar string
	Value  string
}

// StringSliceFlag is mcnflag.StringSliceFlag.
type StringSliceFlag struct {
	Name   string
	Usage  string
	EnvVar string
	Value  []string
}

// IntFlag is mcnflag.IntFlag.
type IntFlag struct {
	Name   string
	Usage  string
	EnvVar string
	Value  int
}

// BoolFlag is mcnflag.BoolFlag.
type BoolFlag struct {
	Name   string
	Usage  string
	EnvVar string
}

func (f StringFlag) String() string      { return f.Name }
func (f StringSliceFlag) String() string { return f.Name }
func (f IntFlag) String() string         { return f.Name }
func (f BoolFlag) String() string        { return f.Name }

func (f StringFlag) Default() interface{}      { return f.Value }
func (f StringSliceFlag) Default() interface{} { return f.Value }
func (f IntFlag) Default() interface{}         { return f.Value }
func (f BoolFlag) Default() interface{}        { return nil }

// DriverOptions is drivers.DriverOptions.
type DriverOptions interface {
	String(key string) string
	StringSlice(key string) []string
	Int(key string) int
	Bool(key string) bool
}

// RPCFlags is rpcdriver.RPCFlags, the DriverOptions sent to SetConfigFromFlags.
type RPCFlags struct {
	Values map[string]interface{}
}

func (r RPCFlags) String(key string) string {
	s, _ := r.Values[key].(string)
	return s
}

func (r RPCFlags) StringSlice(key string) []string {
	s, _ := r.Values[key].([]string)
	return s
}

func (r RPCFlags) Int(key string) int {
	i, _ := r.Values[key].(int)
	return i
}

func (r RPCFlags) Bool(key string) bool {
	b, _ := r.Values[key].(bool)
	return b
}

func init() {
	// The names gob.Register gives these types inside libmachine.
	gob.RegisterName("*rpcdriver.RPCFlags", new(RPCFlags))
	gob.RegisterName("*mcnflag.IntFlag", new(IntFlag))
	gob.RegisterName("*mcnflag.StringFlag", new(StringFlag))
	gob.RegisterName("*mcnflag.StringSliceFlag", new(StringSliceFlag))
	gob.RegisterName("*mcnflag.BoolFlag", new(BoolFlag))
}
