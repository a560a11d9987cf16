// libarcface_omp_env: arcface's OpenMP default for programs: waiting worker threads sleep
// instead of spinning.
//
// LibTorch's intra-op pool is GNU OpenMP (libgomp), which reads OMP_WAIT_POLICY once, in its own
// initialiser, which the dynamic loader runs before main() and before libarcface's initialisers
// (libarcface depends on it), so setting the variable from there is too late. With the default
// policy libgomp's idle workers spin after every parallel region; on a machine whose cores are
// busy with other work those spinning threads compete with the ones doing work, and a run can
// become several times slower (docs/benchmarks.md, "Busy CPU").
//
// This library, which programs linking arcface::arcface load ahead of libc in symbol lookup order,
// provides getenv and secure_getenv: exactly libc's behaviour, except that OMP_WAIT_POLICY reads
// PASSIVE when the environment does not set it. libgomp's initialiser then sees PASSIVE. The
// test Threads.ProgramsDefaultToPassiveOpenMpWaiting checks it through libgomp's own report
// (OMP_DISPLAY_ENV=verbose: GOMP_SPINCOUNT 0). pyarcface sets the same default in
// pyarcface/__init__.py. Opt out by setting OMP_WAIT_POLICY yourself (e.g. ACTIVE): a value in the
// environment is always returned as it is.
//
// No libc headers here: their declarations of getenv would clash with these definitions.
extern "C" {
extern char** environ;
unsigned long getauxval(unsigned long type);

namespace {
constexpr unsigned long kAtSecure = 23;  // AT_SECURE

char* lookup(const char* name) {
  if (!name || !environ) return nullptr;
  for (char** e = environ; *e; ++e) {
    const char* a = *e;
    const char* b = name;
    while (*b && *a == *b) ++a, ++b;
    if (*b == '\0' && *a == '=') return const_cast<char*>(a + 1);
  }
  return nullptr;
}

bool is_wait_policy(const char* name) {
  const char* w = "OMP_WAIT_POLICY";
  while (*w && *name == *w) ++w, ++name;
  return *w == '\0' && *name == '\0';
}
}  // namespace

__attribute__((visibility("default"))) char* getenv(const char* name) {
  char* v = lookup(name);
  if (!v && name && is_wait_policy(name)) return const_cast<char*>("PASSIVE");
  return v;
}

__attribute__((visibility("default"))) char* secure_getenv(const char* name) {
  return getauxval(kAtSecure) ? nullptr : getenv(name);
}
}
