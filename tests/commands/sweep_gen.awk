# make sweep's generator: the mutants of one function, from the tree's
# own source (never from stored line numbers). Run with
#   awk -v fname=NAME -f sweep_gen.awk FILE
# Prints one mutant a line: line <tab> kind <tab> the line as it is (less
# its indent) <tab> the mutated line (the rest of the line, tabs and all).
# Kinds: stmt (a statement made empty), cond (a condition negated), rel,
# arith, logic (an operator swapped), const (an integer moved to 0, +1,
# -1), memcg (a memcg argument replaced by its parent or the root).
# Only whole statements on one line and conditions on one line are
# mutated; lines with strings or comments are left as they are.

function emit(kind, to,    orig) {
	if (to == text)
		return
	orig = text
	sub(/^[ \t]+/, "", orig)
	printf "%d\t%s\t%s\t%s\n", FNR, kind, orig, to
}

# Each occurrence of op (a regex with its spaces) in turn, as rep.
function swap_each(kind, op, rep,    s, pre, n) {
	s = text
	pre = ""
	while (match(s, op)) {
		emit(kind, pre substr(s, 1, RSTART - 1) rep substr(s, RSTART + RLENGTH))
		pre = pre substr(s, 1, RSTART + RLENGTH - 1)
		s = substr(s, RSTART + RLENGTH)
		if (++n > 20)
			break
	}
}

function balanced(s,    t) {
	t = s
	return gsub(/\(/, "", t) == gsub(/\)/, "", s)
}

function is_decl(s) {
	return s ~ /^(const |static |unsigned |signed |struct |union |enum )*(int|long|bool|char|short|void|size_t|ssize_t|gfp_t|u8|u16|u32|u64|s8|s16|s32|s64|[a-z_]+_t|struct [a-z_0-9]+|union [a-z_0-9]+|enum [a-z_0-9]+)( \*+| )+[a-z_][a-z_0-9]*( =|;|\[|,)/
}

function constants(    s, pre, v, tok, c, done) {
	s = text
	pre = ""
	while (match(s, /[^a-zA-Z_0-9.][0-9]+[^a-zA-Z_0-9.xX]/)) {
		tok = substr(s, RSTART + 1, RLENGTH - 2)
		v = tok + 0
		split("", done)
		for (c = 0; c < 3; c++) {
			n = c == 0 ? 0 : (c == 1 ? v + 1 : v - 1)
			if (n == v || (n in done))
				continue
			done[n] = 1
			emit("const", pre substr(s, 1, RSTART) n substr(s, RSTART + RLENGTH - 1))
		}
		pre = pre substr(s, 1, RSTART + RLENGTH - 2)
		s = substr(s, RSTART + RLENGTH - 1)
	}
}

function memcg_args(name,    s, pre, re) {
	s = text
	pre = ""
	re = "[(,] ?" name "[,)]"
	while (match(s, re)) {
		head = pre substr(s, 1, RSTART)
		if (substr(s, RSTART + 1, 1) == " ")
			head = head " "
		tail = substr(s, RSTART + RLENGTH - 1)
		emit("memcg", head "parent_mem_cgroup(" name ")" tail)
		emit("memcg", head "root_mem_cgroup" tail)
		pre = pre substr(s, 1, RSTART + RLENGTH - 2)
		s = substr(s, RSTART + RLENGTH - 1)
	}
}

function mutate(    body, ind, cond) {
	ind = text
	sub(/[^\t ].*/, "", ind)
	body = substr(text, length(ind) + 1)
	# Statements: whole ones, not declarations, not a bare brace.
	if (body ~ /;$/ && balanced(body) && !is_decl(body) && body !~ /^(for|while|do|else|case|default|goto err|break;|continue;|})/)
		emit("stmt", ind ";")
	if (match(body, /^(} else )?(if|while) \(.*\)( \{)?$/) && balanced(body)) {
		cond = body
		sub(/^(} else )?(if|while) \(/, "", cond)
		sub(/\)( \{)?$/, "", cond)
		if (balanced(cond)) {
			pfx = body
			sub(/\(.*/, "", pfx)
			emit("cond", ind pfx "(!(" cond "))" (body ~ /\{$/ ? " {" : ""))
		}
	}
	swap_each("rel", " == ", " != ")
	swap_each("rel", " != ", " == ")
	swap_each("rel", " < ", " >= ")
	swap_each("rel", " > ", " <= ")
	swap_each("rel", " <= ", " > ")
	swap_each("rel", " >= ", " < ")
	swap_each("logic", " && ", " || ")
	swap_each("logic", " \\|\\| ", " && ")
	swap_each("arith", " \\+ ", " - ")
	swap_each("arith", " - ", " + ")
	swap_each("arith", " \\+= ", " -= ")
	swap_each("arith", " -= ", " += ")
	swap_each("arith", "\\+\\+", "--")
	swap_each("arith", "--", "++")
	constants()
	memcg_names()
}

FNR == 1 {
	state = 0
}

# The definition: the name at the start of a line (after its type) or
# alone on a line after the type, and the body from "{" to "}" in column 0.
state == 0 && $0 ~ ("(^|[ *])" fname "\\(") && $0 !~ /;[ \t]*$/ && $0 !~ /^[ \t]/ {
	state = 1
	next
}
state == 1 && /^\{/ {
	state = 2
	next
}
state == 1 && /;[ \t]*$/ {
	state = 0
}
state == 2 && /^\}/ {
	state = 3
	found = 1
	next
}
state == 2 {
	if ($0 ~ /\/\*/)
		incomment = 1
	if (incomment || $0 ~ /"|\/\/|^#|^[ \t]*\*/) {
		if ($0 ~ /\*\//)
			incomment = 0
		next
	}
	text = $0
	mutate()
}
END {
	if (!found) {
		print "sweep: no function " fname " in " FILENAME > "/dev/stderr"
		exit 1
	}
}

# Every memcg a line names as an argument: memcg, parent, dst_memcg...
function memcg_names(    s, seen, name) {
	s = text
	split("", seen)
	while (match(s, /[a-z_]*memcg[a-z_0-9]*|parent/)) {
		name = substr(s, RSTART, RLENGTH)
		s = substr(s, RSTART + RLENGTH)
		if (name in seen || name ~ /^(mem_cgroup|parent_mem_cgroup|root_mem_cgroup)$/ || name ~ /_memcg_|^memcg_|^__/ && name !~ /_memcg$/)
			continue
		seen[name] = 1
		memcg_args(name)
	}
}
