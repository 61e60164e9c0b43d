#!/usr/bin/perl
# durable.pl STATE < TRACE - was everything a command reported done on
# disk before it said so?  TRACE is `strace -y -s 4096 -e trace=write,
# pwrite64,fsync,fdatasync,linkat,renameat,renameat2,mkdirat,openat` of
# one rel command (its own process only).  Each line the command wrote
# to standard output that reports a transition (an id, or a progress
# line of an environment or of the release) must come after every write
# to the records, histories and flow copies under STATE was synced, and
# after every new name in their directories was synced (the directory's
# fsync).  A step's progress line is exempt: rel-promote(1) syncs step
# transitions with the next environment transition.  Prints what was
# said too early, and "said N"; exits 1 if anything was.
use strict;
use warnings;

my $state = shift or die "usage: durable.pl STATE < TRACE\n";
my (%dirty, @bad);
my $said = 0;

# Is this path a record, a history, a flow copy, or a directory on the
# way to one (the state directory, products/, products/PRODUCT)?
sub rec {
	my $p = shift;
	return $p =~ m{^\Q$state\E(/products(/[^/]+(/(releases|envs|flows)(/.*)?)?)?)?$};
}

while (my $l = <STDIN>) {
	if ($l =~ /^(?:write|pwrite64)\((\d+)<([^>]*)>, "(.*)", \d+/) {
		my ($fd, $path, $data) = ($1, $2, $3);
		if ($fd == 1) {
			$data =~ s/\\n$//;
			for my $line (split /\\n/, $data) {
				my @f = split /\\t/, $line;
				# A step's progress is synced with the next environment
				# transition (rel-promote(1)): not a promise yet.
				next if @f >= 6 && $f[3] ne '-';
				$said++;
				my @d = sort grep { $dirty{$_} } keys %dirty;
				push @bad, "said '$line' with unsynced: @d" if @d;
			}
		} elsif (rec($path)) {
			$dirty{$path} = 1;
		}
	} elsif ($l =~ /^f(?:data)?sync\(\d+<([^>]*)>\)\s+=\s+0/) {
		delete $dirty{$1};
	} elsif ($l =~ /^(?:linkat|renameat2?)\(\d+<([^>]*)>, "([^"]*)", \d+<([^>]*)>, "([^"]*)".*\s=\s+0/) {
		my ($sd, $sn, $dd, $dn) = ($1, $2, $3, $4);
		push @bad, "linked $sd/$sn unsynced" if $dirty{"$sd/$sn"};
		$dirty{$dd} = 1 if rec("$dd/$dn");
	} elsif ($l =~ /^mkdirat\(\d+<([^>]*)>, "([^"]*)".*\s=\s+0/) {
		$dirty{$1} = 1 if rec("$1/$2");
	} elsif ($l =~ /^openat\(\d+<([^>]*)>, "([^"]*)", [^)]*O_CREAT[^)]*\)\s+=\s+\d+/) {
		# A name that may be new: its directory must be synced too.
		$dirty{$1} = 1 if rec("$1/$2") && $2 !~ /^\.tmp\./;
	}
}
print "$_\n" for @bad;
print "said $said\n";
exit(@bad ? 1 : 0);
