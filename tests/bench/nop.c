/* nop - the start-up baseline: a C program that only returns 0. */
int
main(void)
{
	return 0;
}
