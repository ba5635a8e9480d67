// tests/cli/data/threads.cpp - a C++ program parked in condition-variable
// waits, for tests/cli/real-programs.sh: four std::threads whose stacks hold
// a namespace function, a template function and a class method; main
// joins them. Prints "ready" once every worker waits. Built -O2 -g -pthread.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace lpd {

std::mutex mu;
std::condition_variable wake;	// never notified
std::condition_variable started;
int nstarted;
bool go;

class Station {
public:
	explicit Station(int id) : id_(id) {}
	__attribute__((noinline)) void park();
	int id() const { return id_; }

private:
	int id_;
};

template <typename T>
__attribute__((noinline)) T wait_for(T value)
{
	std::unique_lock<std::mutex> lock(mu);
	nstarted++;
	started.notify_one();
	wake.wait(lock, [] { return go; });
	return value;
}

void Station::park()
{
	volatile long r = wait_for<long>(id_);
	(void)r;
}

__attribute__((noinline)) void worker_loop(int id)
{
	Station s(id);
	s.park();
	asm volatile("" ::: "memory");
}

__attribute__((noinline)) void join_all(std::vector<std::thread> &ts)
{
	for (auto &t : ts)
		t.join();
	asm volatile("" ::: "memory");
}

} // namespace lpd

int main()
{
	std::vector<std::thread> ts;
	for (int i = 0; i < 4; i++)
		ts.emplace_back(lpd::worker_loop, i);
	{
		std::unique_lock<std::mutex> lock(lpd::mu);
		lpd::started.wait(lock, [] { return lpd::nstarted == 4; });
	}
	std::printf("ready\n");
	std::fflush(stdout);
	lpd::join_all(ts);
	return 0;
}
