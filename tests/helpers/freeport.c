/*
 * freeport - print a TCP port of 127.0.0.1 that the kernel says is free
 * (bind to port 0, read it back, close).  Someone else may take it before
 * the test's server binds it: the fixtures retry with another port when
 * their server fails to start.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("freeport");
		return 1;
	}
	printf("%u\n", (unsigned)ntohs(a.sin_port));
	close(fd);
	return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
