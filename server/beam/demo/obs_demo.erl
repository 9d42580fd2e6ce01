%% The BEAM lab's demo application (`observatory start --beam N`): one `obs_demo` gen_server per
%% node that registers with `global`, joins `pg` groups and, twice a second, broadcasts to them,
%% calls a peer's server with gen_server:call and rpc:call, and every two seconds pings every lab
%% member, so a healed partition reconnects as libcluster does. Nothing here reads input or runs
%% code sent to it; the observatory only watches it from outside.
-module(obs_demo).
-behaviour(gen_server).

-export([start/2, stats/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

%% the pg scope the observatory lists groups of
-define(SCOPE, obs_demo_pg).
-define(TICK_MS, 500).
-define(PING_MS, 2000).
-define(CALL_TIMEOUT_MS, 2000).

%% Started by `erl -eval 'obs_demo:start([...], traffic)'`; prints one line the lab waits for.
%% Mode `idle` only pings the members (benchmarks measure the observer, not the demo).
start(Members, Mode) when Mode =:= traffic; Mode =:= idle ->
    {ok, _} = pg:start(?SCOPE),
    {ok, _} = gen_server:start({local, obs_demo}, ?MODULE, {Members, Mode}, []),
    io:format("obs_demo ready ~s~n", [node()]),
    ok.

%% What this node's server did so far (for tests and the curious).
stats() ->
    gen_server:call(obs_demo, stats).

init({Members, Mode}) ->
    Peers = [P || P <- Members, P =/= node()],
    yes = global:register_name({obs_demo, node()}, self()),
    ok = pg:join(?SCOPE, demo_all, self()),
    %% two smaller groups, so the group list says something about membership
    ok = pg:join(?SCOPE, {demo_half, erlang:phash2(node(), 2)}, self()),
    Mode =:= traffic andalso erlang:send_after(?TICK_MS, self(), tick),
    self() ! ping,
    {ok, #{peers => Peers, seq => 0, broadcasts => 0, received => 0, calls => 0}}.

handle_call({echo, Term}, _From, S) ->
    {reply, Term, S};
handle_call(stats, _From, S) ->
    {reply, maps:remove(peers, S), S};
handle_call(_Other, _From, S) ->
    {reply, {error, unknown_call}, S}.

handle_cast(_Msg, S) ->
    {noreply, S}.

handle_info(tick, S = #{seq := Seq, broadcasts := B, calls := C}) ->
    erlang:send_after(?TICK_MS, self(), tick),
    %% payloads of varying size, so the links carry more than ticks
    Payload = crypto:strong_rand_bytes(64 + rand:uniform(4000)),
    Others = [M || M <- pg:get_members(?SCOPE, demo_all), node(M) =/= node()],
    [M ! {demo_broadcast, node(), Seq, Payload} || M <- Others],
    case nodes() of
        [] ->
            ok;
        Connected ->
            Peer = lists:nth(rand:uniform(length(Connected)), Connected),
            %% calls run in their own process: a partitioned peer must not stall the ticks
            spawn(fun() -> call_peer(Peer, Payload) end)
    end,
    {noreply, S#{seq := Seq + 1, broadcasts := B + length(Others), calls := C + 1}};
handle_info(ping, S = #{peers := Peers}) ->
    erlang:send_after(?PING_MS, self(), ping),
    [spawn(fun() -> net_adm:ping(P) end) || P <- Peers, not lists:member(P, nodes())],
    {noreply, S};
handle_info({demo_broadcast, _From, _Seq, _Payload}, S = #{received := R}) ->
    {noreply, S#{received := R + 1}};
handle_info(_Other, S) ->
    {noreply, S}.

call_peer(Peer, Payload) ->
    catch gen_server:call({obs_demo, Peer}, {echo, Payload}, ?CALL_TIMEOUT_MS),
    catch rpc:call(Peer, erlang, node, [], ?CALL_TIMEOUT_MS),
    case global:whereis_name({obs_demo, Peer}) of
        Pid when is_pid(Pid) -> Pid ! {demo_broadcast, node(), global, byte_size(Payload)};
        undefined -> ok
    end.
