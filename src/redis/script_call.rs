//! [`ScriptCall`]: the keys and arguments of one Lua script call, run alone
//! or inside a `MULTI`/`EXEC`.

use ::redis::{FromRedisValue, Pipeline, RedisResult, Script, ToRedisArgs, aio::ConnectionLike};

/// The keys and arguments of one call of a script.
#[derive(Default)]
pub(crate) struct ScriptCall {
    keys: Vec<String>,
    args: Vec<Vec<u8>>,
}

impl ScriptCall {
    /// Adds a key (`KEYS[n]`).
    pub(crate) fn key(mut self, key: String) -> Self {
        self.keys.push(key);
        self
    }

    /// Adds an argument (`ARGV[n]`), encoded as the driver encodes it.
    pub(crate) fn arg<T: ToRedisArgs>(mut self, arg: T) -> Self {
        self.args.extend(arg.to_redis_args());
        self
    }

    /// Runs the call alone: `EVALSHA`, loading the script when the server
    /// does not know it yet.
    pub(crate) async fn invoke<T, C>(&self, script: &Script, conn: &mut C) -> RedisResult<T>
    where
        T: FromRedisValue,
        C: ConnectionLike,
    {
        let mut invocation = script.prepare_invoke();
        for key in &self.keys {
            invocation.key(key);
        }
        for arg in &self.args {
            invocation.arg(arg);
        }
        invocation.invoke_async(conn).await
    }

    /// Queues the call in `pipe` as `EVAL` with the script's source, which
    /// cannot fail for a script the server has not loaded (as `EVALSHA`
    /// would inside a transaction). Its reply is ignored.
    pub(crate) fn queue(&self, pipe: &mut Pipeline, source: &str) {
        pipe.cmd("EVAL")
            .arg(source)
            .arg(self.keys.len())
            .arg(&self.keys)
            .arg(&self.args)
            .ignore();
    }
}
