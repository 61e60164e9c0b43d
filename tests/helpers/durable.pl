#!/usr/bin/perl
# durable.pl STATE < TRACE - was everything a command reported done on
# disk before it said so?  TRACE is `strace -y -s 4096 -e trace=write,
# pwrite64,fsync,fdatasync,linkat,renameat,renameat2,mkdirat,openat` of
# one rel command (its own process only).  Each line the command wrote
# to standard output that reports something done (an id it made or
# terminated, an environment or release that ended: succeeded, failed,
# terminated, suspended, pending again) must come after the writes it
# rests on were synced: the release's record, the environment's history,
# and every new name on the way to them (the directory's fsync).  Lines
# that report a start (running, terminating) and a step's progress are
# exempt: the runner syncs them with the next end (rel-promote(1)); lost
# in a crash, the step or environment runs again on retry.  Prints what
# was said too early, and "said N"; exits 1 if anything was.
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

# Does what is said of release id (and env, unless "-") rest on path:
# its record, the environment's history, or a directory on their way?
sub rests_on {
	my ($path, $id, $env) = @_;
	(my $product = $id) =~ s/-[0-9]+$//;
	my $p = "$state/products/$product";
	my @want = ("$p/releases/$id");
	push @want, "$p/envs/$env" if defined $env && $env ne '-';
	for my $w (@want) {
		return 1 if $path eq $w || index($w, "$path/") == 0;
	}
	return 0;
}

while (my $l = <STDIN>) {
	if ($l =~ /^(?:write|pwrite64)\((\d+)<([^>]*)>, "(.*)", \d+/) {
		my ($fd, $path, $data) = ($1, $2, $3);
		if ($fd == 1) {
			$data =~ s/\\n$//;
			for my $line (split /\\n/, $data) {
				my @f = split /\\t/, $line;
				my ($id, $env);
				if (@f >= 6) {
					next if $f[3] ne '-' ||
					    $f[5] =~ /^(running|terminating)$/;
					($id, $env) = ($f[1], $f[2]);
				} elsif ($line =~ /^[a-z0-9][a-z0-9._-]*-[0-9]+$/) {
					$id = $line;
				} else {
					next;
				}
				$said++;
				my @d = sort grep { $dirty{$_} && rests_on($_, $id, $env) }
				    keys %dirty;
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
