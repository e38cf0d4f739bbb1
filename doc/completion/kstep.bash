# bash completion for kstep                                  -*- shell-script -*-
# Commands, options and their values come from kstep itself (kstep help
# --commands, kstep help COMMAND, kstep help --formats COMMAND, kstep record
# --list-plans), so the completion knows what the installed kstep knows.

_kstep()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion -s || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local kstep=${words[0]} i cmd="" cmdi=0
	# the command: the first word after the global options
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--max-memory) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]} cmdi=$i; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		case $prev in
		--max-memory) COMPREPLY=($(compgen -W '256M 512M 1G 2G 4G' -- "$cur")); return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-v --verbose --max-memory --version --help' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$("$kstep" help --commands 2>/dev/null)" -- "$cur"))
		fi
		return
	fi
	if [[ $cmd == help ]]; then
		COMPREPLY=($(compgen -W "--man $("$kstep" help --commands 2>/dev/null)" -- "$cur"))
		return
	fi
	# record: after --, a command and its arguments
	for ((i = cmdi + 1; i < cword; i++)); do
		if [[ $cmd == record && ${words[i]} == -- ]]; then
			if ((i + 1 == cword)); then
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return
		fi
	done
	case $prev in
	--format)
		COMPREPLY=($(compgen -W "$("$kstep" help --formats "$cmd" 2>/dev/null)" -- "$cur"))
		return ;;
	--plan)
		COMPREPLY=($(compgen -W "$("$kstep" record --list-plans 2>/dev/null)" -- "$cur") $(compgen -f -- "$cur"))
		return ;;
	--color)
		COMPREPLY=($(compgen -W 'never auto always' -- "$cur"))
		return ;;
	--compression)
		COMPREPLY=($(compgen -W 'zstd none' -- "$cur"))
		return ;;
	--file-version)
		COMPREPLY=($(compgen -W '6 7' -- "$cur"))
		return ;;
	--debug-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	-o | --output | --vmlinux | --debuginfo)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--pid | --comm | --syscall | --nth | --from | --to | --hide | --depth | --min-delta | -p | \
	--duration | --buffer-size | --clock | -g | --graph | --kprobe | --kretprobe | -e | --event | \
	--stack | --uprobe | --uretprobe)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		local opts
		opts=$("$kstep" help "$cmd" 2>/dev/null | grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | tr -d ' ,' | sort -u)
		COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
		return
	fi
	# operands: trace files (and directories to reach them)
	COMPREPLY=($(compgen -o plusdirs -f -X '!*.dat' -- "$cur"))
	[[ ${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur"))
	return 0
} &&
	complete -F _kstep kstep
