"""The steps shared by the backends whose variables are mutable (TF, torch).

Each backend supplies `_player_update(player, optimizer, x, y)` (loss,
gradients with respect to `player.variables`, apply) and `_no_grad()`, and may
override `_step_players()` (the players of a train step; PyTorch caches them).
"""

import keras


class StatefulAdversarialTrainer:
    def train_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        for player in self._step_players():
            optimizer = self.optimizer[player.name]
            for _ in range(player.steps):
                logs = self._player_update(player, optimizer, x, y)
                self._update_trackers(logs)
        with self._no_grad():
            self.after_step()
        return self._tracker_results()

    def _step_players(self):
        return self.players()

    def test_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        with self._no_grad():
            for player in self.players():
                _, logs = player.loss(x, y, training=False)
                self._update_trackers(logs)
        return self._tracker_results()
