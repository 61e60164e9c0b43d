/*
 * blackhole - a server that takes connections and never answers: a
 * remote behind a partition that still completes the TCP handshake (a
 * hung server, a proxy).  Tests use it where a git daemon was, to see
 * that no rel command waits on it longer than it says.
 *
 *   blackhole PORT
 *
 * Listens on 127.0.0.1:PORT, prints "listening", then accepts and holds
 * every connection open, reading nothing and writing nothing, until
 * killed.  Exits 1 if it cannot listen.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in a;
	int fd, one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: blackhole PORT\n");
		return 2;
	}
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    listen(fd, 64) < 0) {
		perror("blackhole");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;)
		if (accept(fd, NULL, NULL) < 0)
			sleep(1); /* held open: never read, never closed */
}
